package manager

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// maxKeypairs bounds a user's long-lived keypairs.
const maxKeypairs = 100

type keypairsOutput struct {
	Body struct {
		Keypairs []Keypair `json:"keypairs"`
	}
}

type createKeypairInput struct {
	Body *struct {
		Name string `json:"name,omitempty" maxLength:"100" example:"laptop CLI"`
	} `required:"false"`
}

type createKeypairOutput struct {
	Body struct {
		AccessKey string    `json:"access_key"`
		SecretKey string    `json:"secret_key" doc:"Shown once and never again; store it now."`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	}
}

type keypairPath struct {
	AccessKey string `path:"access_key" maxLength:"64"`
}

func (m *Manager) registerKeypairs() {
	tags := []string{"keypairs"}
	operation(m, huma.Operation{OperationID: "list-keypairs", Method: http.MethodGet, Path: "/api/keypairs",
		Tags: tags, Summary: "The user's long-lived keypairs (never their secrets)", Security: authenticated}, m.listKeypairs)
	operation(m, huma.Operation{OperationID: "create-keypair", Method: http.MethodPost, Path: "/api/keypairs",
		Tags: tags, Summary: "Create a keypair for the CLI or SDK", Security: authenticated, DefaultStatus: http.StatusCreated}, m.createKeypair)
	operation(m, huma.Operation{OperationID: "delete-keypair", Method: http.MethodDelete, Path: "/api/keypairs/{access_key}",
		Tags: tags, Summary: "Delete a keypair; it stops working at once", Security: authenticated, DefaultStatus: http.StatusNoContent}, m.deleteKeypair)
}

func (m *Manager) listKeypairs(ctx context.Context, _ *struct{}) (*keypairsOutput, error) {
	ks, err := m.store.ListKeypairs(ctx, PrincipalFrom(ctx).User.ID, berth.KeypairCLI)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	out := &keypairsOutput{}
	out.Body.Keypairs = make([]Keypair, len(ks))
	for i := range ks {
		out.Body.Keypairs[i] = keypairOut(&ks[i])
	}
	return out, nil
}

func (m *Manager) createKeypair(ctx context.Context, in *createKeypairInput) (*createKeypairOutput, error) {
	u := PrincipalFrom(ctx).User
	name := ""
	if in.Body != nil {
		name = strings.TrimSpace(in.Body.Name)
	}
	if !berth.ValidText(name) {
		return nil, m.fail(ctx, berth.Invalid("name", "must not contain control characters or line breaks"))
	}
	existing, err := m.store.ListKeypairs(ctx, u.ID, berth.KeypairCLI)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if len(existing) >= maxKeypairs {
		return nil, problem(http.StatusConflict, codeConflict, "you already have 100 keypairs; delete unused ones first")
	}
	k, secretKey := m.newKeypair(u, berth.KeypairCLI, name, m.now().UTC())
	if err := m.store.CreateKeypair(ctx, k); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actKeypairCreate, k.AccessKey, berth.AuditSuccess, "")
	out := &createKeypairOutput{}
	out.Body.AccessKey, out.Body.SecretKey, out.Body.Name, out.Body.CreatedAt = k.AccessKey, secretKey, k.Name, k.CreatedAt
	return out, nil
}

func (m *Manager) deleteKeypair(ctx context.Context, in *keypairPath) (*struct{}, error) {
	u := PrincipalFrom(ctx).User
	err := m.store.DeleteKeypair(ctx, u.ID, in.AccessKey)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, problem(http.StatusNotFound, codeNotFound, "you have no keypair "+in.AccessKey)
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actKeypairDelete, in.AccessKey, berth.AuditSuccess, "")
	return nil, nil
}
