package invoke_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/invoke"
	problems "github.com/berth-platform/berth/internal/problem"
	"github.com/berth-platform/berth/internal/recorder"
	"github.com/berth-platform/berth/internal/runtime/wasm"
	"github.com/berth-platform/berth/internal/secret"
)

const fnID = "0b7a3c1e-5a55-4c43-9a8b-2f1d3e4c5b6a"

// functions serves one function from memory.
type functions struct {
	f       berth.Function
	owner   berth.User
	dep     berth.Deployment
	secrets map[string][]byte
}

func (s *functions) CachedFunction(_ context.Context, id string) (*berth.Function, error) {
	if id != s.f.ID {
		return nil, berth.ErrNotFound
	}
	f := s.f
	return &f, nil
}

func (s *functions) CachedUser(_ context.Context, id string) (*berth.User, error) {
	if id != s.owner.ID {
		return nil, berth.ErrNotFound
	}
	u := s.owner
	return &u, nil
}

func (s *functions) CachedSecrets(context.Context, string) (map[string][]byte, error) {
	return s.secrets, nil
}

func (s *functions) Deployment(_ context.Context, id string, v int) (*berth.Deployment, error) {
	if id != s.f.ID || v != s.dep.Version {
		return nil, berth.ErrNotFound
	}
	d := s.dep
	return &d, nil
}

// executions keeps what the recorder writes.
type executions struct {
	berth.ExecutionStore
	mu  sync.Mutex
	got []berth.Execution
}

func (e *executions) AppendExecutions(_ context.Context, es []berth.Execution) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, es...)
	return nil
}

func (e *executions) all() []berth.Execution {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]berth.Execution(nil), e.got...)
}

// answers writes problems as the API does, without its error mapping
// (errors here are the invoker's own problems or plain ones).
type answers struct{}

func (answers) Problem(_ context.Context, err error) (*huma.ErrorModel, http.Header) {
	var em *huma.ErrorModel
	if errors.As(err, &em) {
		return em, nil
	}
	return problems.New(http.StatusInternalServerError, problems.Internal, "internal error"), nil
}

func (answers) Write(w http.ResponseWriter, _ *http.Request, p *huma.ErrorModel, header http.Header) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func (a answers) Refuse(w http.ResponseWriter, r *http.Request, err error) {
	p, h := a.Problem(r.Context(), err)
	a.Write(w, r, p, h)
}

type setup struct {
	inv    *invoke.Invoker
	fns    *functions
	execs  *executions
	rec    *recorder.Recorder
	caller invoke.Caller
}

// newSetup serves the wasm echo module of the runtime's tests, with a
// secret, a 64-byte body limit and max_concurrency 1.
func newSetup(t *testing.T) *setup {
	t.Helper()
	dir := t.TempDir()
	code, err := os.ReadFile("../runtime/wasm/testdata/echo.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "echo.wasm"), code, 0o600); err != nil {
		t.Fatal(err)
	}
	rt, err := wasm.New(wasm.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	box, err := secret.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{execs: &executions{}, caller: invoke.Caller{Kind: berth.CallerAPIKey, KeyID: "BFKEY"}}
	s.fns = &functions{
		f: berth.Function{ID: fnID, Name: "echo", OwnerID: "owner", Runtime: berth.RuntimeWasm, ActiveVersion: 1,
			Status: berth.FunctionActive, SecretNames: []string{"GREETING"},
			Settings: berth.FunctionSettings{MemoryMB: 16, TimeoutMS: 5000, MaxConcurrency: 1}},
		owner:   berth.User{ID: "owner", Status: berth.UserActive},
		dep:     berth.Deployment{FunctionID: fnID, Version: 1, Artefact: "echo.wasm", ContentType: artefact.MediaTypeWasm, Status: berth.DeploymentReady},
		secrets: map[string][]byte{"GREETING": box.Seal([]byte("hello from a secret"), invoke.SecretAAD(fnID, "GREETING"))},
	}
	digest := sha256.Sum256(code)
	sum := hex.EncodeToString(digest[:])
	s.fns.dep.SHA256 = sum
	ref := berth.DeploymentRef{FunctionID: fnID, Version: 1, ArtefactPath: filepath.Join(dir, "echo.wasm"), ContentType: artefact.MediaTypeWasm, SHA256: sum}
	if err := rt.Prepare(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	s.rec = recorder.New(s.execs, recorder.Options{FlushInterval: time.Millisecond})
	t.Cleanup(func() { _ = s.rec.Close(context.Background()) })
	s.inv = invoke.New(invoke.Options{
		Functions: s.fns, Box: box, Runtimes: map[string]berth.Runtime{berth.RuntimeWasm: rt}, MaxResponseBytes: 1 << 20,
		DataDir: dir, Recorder: s.rec, Answers: answers{},
		Authorize: func(context.Context, *berth.Function) (invoke.Caller, error) { return s.caller, nil },
		Body: func(w http.ResponseWriter, r *http.Request) ([]byte, error) {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64))
			if err != nil {
				return nil, problems.New(http.StatusRequestEntityTooLarge, problems.BodyTooLarge, "the request body is larger than 64 bytes")
			}
			return b, nil
		},
	})
	return s
}

func (s *setup) call(t *testing.T, method, path, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "/fn/"+fnID+path, strings.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.inv.Serve(w, r, fnID, path)
	return w
}

// recorded waits for n execution records.
func (s *setup) recorded(t *testing.T, n int) []berth.Execution {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := s.execs.all(); len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d execution records, want %d: %+v", len(got), n, got)
			}
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInvokeRunsAndRecords(t *testing.T) {
	s := newSetup(t)
	w := s.call(t, http.MethodPost, "/sub", "ping", http.Header{"Authorization": {"secret"}, "X-Berth-Internal": {"x"}, "X-Test": {"seen"}})
	if w.Code != http.StatusOK || w.Body.String() != "ping" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("X-Path") != "/sub" || h.Get("X-Test") != "seen" || h.Get("X-Greeting") != "hello from a secret" {
		t.Fatalf("the function did not see the request as sent, or its secret: %v", h)
	}
	if !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || h.Get(invoke.HeaderExecutionID) == "" {
		t.Fatalf("platform headers missing: %v", h)
	}
	e := s.recorded(t, 1)[0]
	if e.ID != h.Get(invoke.HeaderExecutionID) || e.Status != berth.ExecSuccess || e.HTTPStatus != 200 ||
		e.BytesIn != 4 || e.BytesOut != 4 || e.CallerKind != berth.CallerAPIKey || e.CallerKeyID != "BFKEY" {
		t.Fatalf("record %+v", e)
	}
}

// TestRefusalsAreRecordedAlike: a body over the limit, and a body its
// check refuses (as a signature mismatch is), are answered with their
// problem, never run, and recorded as rejected with that status.
func TestRefusalsAreRecordedAlike(t *testing.T) {
	s := newSetup(t)
	w := s.call(t, http.MethodPost, "/", strings.Repeat("x", 65), nil)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), problems.TypeBase+problems.BodyTooLarge) {
		t.Fatalf("over the body limit: %d %s", w.Code, w.Body)
	}
	e := s.recorded(t, 1)[0]
	if e.Status != berth.ExecRejected || e.HTTPStatus != http.StatusRequestEntityTooLarge || e.ID != w.Header().Get(invoke.HeaderExecutionID) {
		t.Fatalf("record of the refused call: %+v", e)
	}

	s.inv = invoke.New(invoke.Options{
		Functions: s.fns, Runtimes: map[string]berth.Runtime{}, Recorder: s.rec, Answers: answers{},
		Authorize: func(context.Context, *berth.Function) (invoke.Caller, error) { return s.caller, nil },
		Body: func(http.ResponseWriter, *http.Request) ([]byte, error) {
			return nil, problems.New(http.StatusUnauthorized, "body-hash-mismatch", "the body does not match its signature")
		},
	})
	w = s.call(t, http.MethodPost, "/", "tampered", nil)
	if w.Code != http.StatusUnauthorized || strings.Contains(w.Body.String(), "tampered") {
		t.Fatalf("a refused body: %d %s", w.Code, w.Body)
	}
	e = s.recorded(t, 2)[1]
	if e.Status != berth.ExecRejected || e.HTTPStatus != http.StatusUnauthorized || e.BytesIn != 0 {
		t.Fatalf("record of the refused body: %+v", e)
	}
}

// TestInvokeRefusals: a call of no function is answered and not
// recorded; a call the function cannot take is answered with its problem
// and recorded as rejected, after its body was read (and, when signed,
// its nonce spent).
func TestInvokeRefusals(t *testing.T) {
	s := newSetup(t)
	recorded := 0
	for _, tc := range []struct {
		name   string
		change func()
		id     string
		status int
		code   string
		record bool
	}{
		{"BadID", func() {}, "not-a-uuid", 404, problems.NotFound, false},
		{"Unknown", func() {}, "0b7a3c1e-5a55-4c43-9a8b-000000000000", 404, problems.NotFound, false},
		{"NotDeployed", func() { s.fns.f.ActiveVersion = 0 }, fnID, 409, problems.NotDeployed, true},
		{"PendingDeletion", func() { s.fns.f.Status = berth.FunctionPendingDeletion }, fnID, 410, problems.PendingDeletion, true},
		{"PublicOwnerBlocked", func() {
			s.caller = invoke.Caller{Kind: berth.CallerPublic}
			s.fns.owner.Status = berth.UserBlocked
		}, fnID, 403, problems.OwnerInactive, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved, savedOwner, savedCaller := s.fns.f, s.fns.owner, s.caller
			defer func() { s.fns.f, s.fns.owner, s.caller = saved, savedOwner, savedCaller }()
			tc.change()
			r := httptest.NewRequest(http.MethodPost, "/fn/"+tc.id, strings.NewReader("x"))
			w := httptest.NewRecorder()
			s.inv.Serve(w, r, tc.id, "/")
			if w.Code != tc.status || !strings.Contains(w.Body.String(), problems.TypeBase+tc.code) {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
			if !tc.record {
				if w.Header().Get(invoke.HeaderExecutionID) != "" {
					t.Fatal("a call of no function got an execution id")
				}
				return
			}
			recorded++
			e := s.recorded(t, recorded)[recorded-1]
			if e.ID != w.Header().Get(invoke.HeaderExecutionID) || e.Status != berth.ExecRejected || e.HTTPStatus != tc.status || e.BytesIn != 1 {
				t.Fatalf("record %+v, want rejected with %d after reading the body", e, tc.status)
			}
		})
	}
}
