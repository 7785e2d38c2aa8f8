package manager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/server"
)

// secretDetail is what a failing database would say: it must reach the
// log and never a client.
const secretDetail = `pq: relation "users" at 10.1.2.3:5432 password=hunter2`

// failingStore answers the reads below with a raw error while failing
// names them ("*": all of them); everything else is the real store.
type failingStore struct {
	berth.Store
	failing *atomic.Value // string
}

func (s failingStore) fails(method string) error {
	if f, _ := s.failing.Load().(string); f == "*" || f == method {
		return errors.New(secretDetail)
	}
	return nil
}

func (s failingStore) TokenOwner(ctx context.Context, hash []byte, kind berth.TokenKind) (*berth.Token, *berth.User, error) {
	if err := s.fails("TokenOwner"); err != nil {
		return nil, nil, err
	}
	return s.Store.TokenOwner(ctx, hash, kind)
}

func (s failingStore) KeypairOwner(ctx context.Context, ak string) (*berth.Keypair, *berth.User, error) {
	if err := s.fails("KeypairOwner"); err != nil {
		return nil, nil, err
	}
	return s.Store.KeypairOwner(ctx, ak)
}

func (s failingStore) Function(ctx context.Context, id string) (*berth.Function, error) {
	if err := s.fails("Function"); err != nil {
		return nil, err
	}
	return s.Store.Function(ctx, id)
}

func (s failingStore) ListFunctions(ctx context.Context, f berth.FunctionFilter) ([]berth.Function, int, error) {
	if err := s.fails("ListFunctions"); err != nil {
		return nil, 0, err
	}
	return s.Store.ListFunctions(ctx, f)
}

func (s failingStore) UserByEmail(ctx context.Context, email string) (*berth.User, error) {
	if err := s.fails("UserByEmail"); err != nil {
		return nil, err
	}
	return s.Store.UserByEmail(ctx, email)
}

// TestNoInternalErrorReachesClients: whatever a failing store says, the
// client gets 500 internal with the request id, and only the log has the
// detail — for REST operations, authentication, invocation and GraphQL.
func TestNoInternalErrorReachesClients(t *testing.T) {
	failing := &atomic.Value{}
	failing.Store("")
	ts := startServerWith(t, func(o *server.Options) {
		o.WrapStore = func(s berth.Store) berth.Store { return failingStore{Store: s, failing: failing} }
	}, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	tok, err := ts.anon().Login(ctx, ts.admin, ts.adminPW)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := c.CreateKeypair(ctx, "probe")
	if err != nil {
		t.Fatal(err)
	}
	signer := ts.signer(kp.AccessKey, kp.SecretKey).HTTPClient()
	send := func(t *testing.T, cl *http.Client, method, path, body, bearer string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, ts.url+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return resp.StatusCode, resp.Header, buf.String()
	}
	for _, tc := range []struct {
		name, fails, method, path, body, bearer string
		client                                  *http.Client
	}{
		{"BearerAuth", "TokenOwner", http.MethodGet, "/api/users/me", "", tok.AccessToken, http.DefaultClient},
		{"SignedAuth", "KeypairOwner", http.MethodGet, "/api/functions", "", "", signer},
		{"Operation", "ListFunctions", http.MethodGet, "/api/functions", "", "", signer},
		{"Login", "UserByEmail", http.MethodPost, "/api/auth/login", `{"email":"a@example.test","password":"whatever it is"}`, "", http.DefaultClient},
		{"Invoke", "Function", http.MethodPost, "/fn/" + f.ID + "/", "x", "", http.DefaultClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failing.Store(tc.fails)
			defer failing.Store("")
			status, h, body := send(t, tc.client, tc.method, tc.path, tc.body, tc.bearer)
			wantInternal(t, status, h.Get("X-Request-Id"), body)
		})
	}
	t.Run("GraphQL", func(t *testing.T) {
		failing.Store("ListFunctions")
		defer failing.Store("")
		_, _, body := send(t, signer, http.MethodPost, "/api/graphql", `{"query":"{ functions { items { id } } }"}`, "")
		var out struct {
			Errors []struct{ Message string } `json:"errors"`
		}
		_ = json.Unmarshal([]byte(body), &out)
		if len(out.Errors) == 0 || strings.Contains(body, "hunter2") || strings.Contains(body, "pq:") {
			t.Fatalf("GraphQL answer: %s", body)
		}
		if !strings.Contains(out.Errors[0].Message, "request id") {
			t.Fatalf("GraphQL error without a request id: %s", body)
		}
	})
	if !strings.Contains(ts.logs.String(), "hunter2") {
		t.Fatal("the detail did not reach the log")
	}
}

func wantInternal(t *testing.T, status int, requestID, body string) {
	t.Helper()
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d (%s), want 500", status, body)
	}
	if strings.Contains(body, "hunter2") || strings.Contains(body, "pq:") || strings.Contains(body, "10.1.2.3") {
		t.Fatalf("the store's error reached the client: %s", body)
	}
	if !strings.Contains(body, "urn:berth:problem:internal") || requestID == "" || !strings.Contains(body, requestID) {
		t.Fatalf("not an internal problem naming request id %q: %s", requestID, body)
	}
}

// TestOperationsRegisterThroughTheMapping: every huma operation is added
// with operation(), which maps its errors; a direct huma.Register would
// let a handler's raw error through.
func TestOperationsRegisterThroughTheMapping(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "problem.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "huma.Register(") {
			t.Errorf("%s registers an operation with huma.Register: use operation(m, …) so its errors are mapped", name)
		}
	}
}
