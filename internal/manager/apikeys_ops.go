package manager

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// APIKey is a function API key as listed: never with its secret.
type APIKey struct {
	ID         string     `json:"id" format:"uuid"`
	KeyID      string     `json:"key_id" doc:"The Credential to sign with (BF…)."`
	FunctionID string     `json:"function_id" format:"uuid"`
	Name       string     `json:"name"`
	Status     string     `json:"status" enum:"active,revoked,expired"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func apiKeyOut(k *berth.APIKey, now time.Time) APIKey {
	status := "active"
	switch {
	case !k.RevokedAt.IsZero():
		status = "revoked"
	case !k.Usable(now):
		status = "expired"
	}
	return APIKey{ID: k.ID, KeyID: k.KeyID, FunctionID: k.FunctionID, Name: k.Name, Status: status, CreatedAt: k.CreatedAt,
		ExpiresAt: timePtr(k.ExpiresAt), RevokedAt: timePtr(k.RevokedAt), LastUsedAt: timePtr(k.LastUsedAt)}
}

type createAPIKeyInput struct {
	IDParam
	Body struct {
		Name      string `json:"name" minLength:"1" maxLength:"100" example:"billing service"`
		ExpiresIn string `json:"expires_in,omitempty" example:"90d" doc:"Lifetime: a number with s, m, h or d (at most 3650d). Empty: never expires."`
	}
}

type createAPIKeyOutput struct {
	Body struct {
		APIKey
		Secret string `json:"secret" doc:"Shown once and never again: sign requests with key_id and this secret."`
	}
}

type apiKeyOutput struct{ Body APIKey }

type apiKeysInput struct {
	IDParam
	PageParams
}

type apiKeysOutput struct{ Body Page[APIKey] }

// APIKeyParam is an API key id in the path.
type APIKeyParam struct {
	ID string `path:"id" maxLength:"64" doc:"The key's id (a UUID), not its key_id."`
}

type patchAPIKeyInput struct {
	APIKeyParam
	Body struct {
		Name      *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		ExpiresAt *string `json:"expires_at,omitempty" doc:"An RFC 3339 time, or \"never\"."`
	}
}

type rollAPIKeyInput struct {
	APIKeyParam
	Body *struct {
		ExpiresIn string `json:"expires_in,omitempty" example:"90d" doc:"New lifetime from now (default 90d)."`
	} `required:"false"`
}

func (m *Manager) registerAPIKeys() {
	tags := []string{"api-keys"}
	reg := func(op huma.Operation) huma.Operation {
		op.Tags, op.Security = tags, authenticated
		return op
	}
	operation(m, reg(huma.Operation{OperationID: "create-api-key", Method: http.MethodPost, Path: "/api/functions/{id}/api-keys",
		Summary: "Create an API key for a function; the secret is shown once", DefaultStatus: http.StatusCreated}), m.createAPIKey)
	operation(m, reg(huma.Operation{OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api/functions/{id}/api-keys",
		Summary: "A function's API keys (never their secrets)"}), m.listAPIKeys)
	operation(m, reg(huma.Operation{OperationID: "get-api-key", Method: http.MethodGet, Path: "/api/api-keys/{id}",
		Summary: "One API key"}), m.getAPIKey)
	operation(m, reg(huma.Operation{OperationID: "update-api-key", Method: http.MethodPatch, Path: "/api/api-keys/{id}",
		Summary: "Rename a key or change its expiry"}), m.patchAPIKey)
	operation(m, reg(huma.Operation{OperationID: "delete-api-key", Method: http.MethodDelete, Path: "/api/api-keys/{id}",
		Summary: "Delete a key for good", DefaultStatus: http.StatusNoContent}), m.deleteAPIKey)
	operation(m, reg(huma.Operation{OperationID: "roll-api-key", Method: http.MethodPost, Path: "/api/api-keys/{id}/roll",
		Summary: "Extend a key's expiry from now"}), m.rollAPIKey)
	operation(m, reg(huma.Operation{OperationID: "revoke-api-key", Method: http.MethodPost, Path: "/api/api-keys/{id}/revoke",
		Summary: "Stop a key at once; it stays listed"}), m.revokeAPIKey)
	operation(m, reg(huma.Operation{OperationID: "enable-api-key", Method: http.MethodPost, Path: "/api/api-keys/{id}/enable",
		Summary: "Re-enable a revoked key"}), m.enableAPIKey)
	operation(m, reg(huma.Operation{OperationID: "replace-api-key-secret", Method: http.MethodPost, Path: "/api/api-keys/{id}/secret",
		Summary: "Replace a key's secret; the new one is shown once",
		Description: "The key keeps its id, key_id, name, expiry and status; the old secret stops working at once. " +
			"Two replacements racing: one wins, the other answers 409 and nothing of it is kept."}), m.replaceAPIKeySecret)
}

var lifetimeRe = regexp.MustCompile(`^([0-9]{1,7})([smhd])$`)

// parseLifetime reads "90d", "12h", "30m" or "45s".
func parseLifetime(field, s string) (time.Duration, error) {
	match := lifetimeRe.FindStringSubmatch(strings.TrimSpace(s))
	if match == nil {
		return 0, berth.Invalid(field, "must be a number followed by s, m, h or d, such as 90d")
	}
	n, _ := strconv.Atoi(match[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[match[2]]
	d := time.Duration(n) * unit
	if d < time.Minute || d > 3650*24*time.Hour {
		return 0, berth.Invalid(field, "must be between 1 minute and 3650 days")
	}
	return d, nil
}

func (m *Manager) createAPIKey(ctx context.Context, in *createAPIKeyInput) (*createAPIKeyOutput, error) {
	var life time.Duration
	if in.Body.ExpiresIn != "" {
		var err error
		if life, err = parseLifetime("expires_in", in.Body.ExpiresIn); err != nil {
			return nil, m.fail(ctx, err)
		}
	}
	return m.issueAPIKey(ctx, in.ID, in.Body.Name, life)
}

// issueAPIKey creates a key for a function the principal may change and
// answers with its secret, once. life zero: the key never expires.
func (m *Manager) issueAPIKey(ctx context.Context, functionID, name string, life time.Duration) (*createAPIKeyOutput, error) {
	f, err := m.liveFunction(ctx, functionID)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || !berth.ValidText(name) {
		return nil, m.fail(ctx, berth.Invalid("name", "must be 1 to 100 printable characters"))
	}
	now := m.now().UTC()
	k := &berth.APIKey{FunctionID: f.ID, Name: name, CreatedAt: now}
	if life > 0 {
		k.ExpiresAt = now.Add(life)
	}
	var id [10]byte
	_, _ = rand.Read(id[:])
	k.KeyID = "BF" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(id[:])
	secret := randomToken()
	k.SecretSealed = m.box.Seal([]byte(secret), apiKeyAAD(k.KeyID))
	if err := m.store.CreateAPIKey(ctx, k); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAPIKeyCreate, k.KeyID, berth.AuditSuccess, "function "+f.ID)
	out := &createAPIKeyOutput{}
	out.Body.APIKey, out.Body.Secret = apiKeyOut(k, now), secret
	return out, nil
}

func apiKeyAAD(keyID string) []byte { return []byte("apikey:" + keyID) }

// replaceAPIKeySecret gives a key a new secret and answers with it, once.
func (m *Manager) replaceAPIKeySecret(ctx context.Context, in *APIKeyParam) (*createAPIKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	secret := randomToken()
	sealed := m.box.Seal([]byte(secret), apiKeyAAD(k.KeyID))
	if err := m.store.ReplaceAPIKeySecret(ctx, k.ID, k.SecretSealed, sealed); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, problem(http.StatusConflict, codeConflict, "the key's secret was replaced by another request at the same time; "+
				"that request's secret is the one kept")
		}
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAPIKeySecret, k.KeyID, berth.AuditSuccess, "")
	k.SecretSealed = sealed
	out := &createAPIKeyOutput{}
	out.Body.APIKey, out.Body.Secret = apiKeyOut(k, m.now()), secret
	return out, nil
}

func (m *Manager) listAPIKeys(ctx context.Context, in *apiKeysInput) (*apiKeysOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	ks, total, err := m.store.ListAPIKeys(ctx, f.ID, in.page())
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	now := m.now()
	out := &apiKeysOutput{Body: Page[APIKey]{Items: make([]APIKey, len(ks)), Page: in.Page, PerPage: in.PerPage, Total: total}}
	for i := range ks {
		out.Body.Items[i] = apiKeyOut(&ks[i], now)
	}
	return out, nil
}

// apiKey loads a key whose function the principal may read (write when
// write is true); others' keys do not exist.
func (m *Manager) apiKey(ctx context.Context, id string, write bool) (*berth.APIKey, error) {
	notFound := problem(http.StatusNotFound, codeNotFound, "no API key "+id+" (or it is not yours)")
	if !berth.ValidID(id) {
		return nil, notFound
	}
	k, err := m.store.APIKey(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	load := m.readableFunction
	if write {
		load = m.writableFunction
	}
	if _, err := load(ctx, k.FunctionID); err != nil {
		var em *problemError
		if errors.As(err, &em) && em.Status == http.StatusNotFound {
			return nil, notFound
		}
		return nil, err
	}
	return k, nil
}

func (m *Manager) getAPIKey(ctx context.Context, in *APIKeyParam) (*apiKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, false)
	if err != nil {
		return nil, err
	}
	return &apiKeyOutput{Body: apiKeyOut(k, m.now())}, nil
}

// updateKey stores k and answers with it.
func (m *Manager) updateKey(ctx context.Context, k *berth.APIKey, action, detail string) (*apiKeyOutput, error) {
	if err := m.store.UpdateAPIKey(ctx, k); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, action, k.KeyID, berth.AuditSuccess, detail)
	return &apiKeyOutput{Body: apiKeyOut(k, m.now())}, nil
}

func (m *Manager) patchAPIKey(ctx context.Context, in *patchAPIKeyInput) (*apiKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	if in.Body.Name != nil {
		name := strings.TrimSpace(*in.Body.Name)
		if name == "" || !berth.ValidText(name) {
			return nil, m.fail(ctx, berth.Invalid("name", "must be 1 to 100 printable characters"))
		}
		k.Name = name
	}
	if in.Body.ExpiresAt != nil {
		if *in.Body.ExpiresAt == "never" {
			k.ExpiresAt = time.Time{}
		} else {
			t, err := time.Parse(time.RFC3339, *in.Body.ExpiresAt)
			if err != nil {
				return nil, m.fail(ctx, berth.Invalid("expires_at", "must be an RFC 3339 time such as 2027-01-31T00:00:00Z, or \"never\""))
			}
			k.ExpiresAt = t.UTC()
		}
	}
	return m.updateKey(ctx, k, actAPIKeyUpdate, "")
}

func (m *Manager) rollAPIKey(ctx context.Context, in *rollAPIKeyInput) (*apiKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	life := 90 * 24 * time.Hour
	if in.Body != nil && in.Body.ExpiresIn != "" {
		if life, err = parseLifetime("expires_in", in.Body.ExpiresIn); err != nil {
			return nil, m.fail(ctx, err)
		}
	}
	k.ExpiresAt = m.now().UTC().Add(life)
	return m.updateKey(ctx, k, actAPIKeyRoll, "until "+k.ExpiresAt.Format(time.RFC3339))
}

func (m *Manager) revokeAPIKey(ctx context.Context, in *APIKeyParam) (*apiKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = m.now().UTC()
	}
	return m.updateKey(ctx, k, actAPIKeyRevoke, "")
}

func (m *Manager) enableAPIKey(ctx context.Context, in *APIKeyParam) (*apiKeyOutput, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	k.RevokedAt = time.Time{}
	return m.updateKey(ctx, k, actAPIKeyEnable, "")
}

func (m *Manager) deleteAPIKey(ctx context.Context, in *APIKeyParam) (*struct{}, error) {
	k, err := m.apiKey(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	if err := m.store.DeleteAPIKey(ctx, k.ID); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, PrincipalFrom(ctx).User, actAPIKeyDelete, k.KeyID, berth.AuditSuccess, "")
	return nil, nil
}
