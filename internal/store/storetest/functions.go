package storetest

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

// newFunction creates a never-deployed function of owner with typical settings.
func newFunction(t *testing.T, s berth.Store, owner *berth.User, name string) *berth.Function {
	t.Helper()
	f := &berth.Function{OwnerID: owner.ID, Name: name, Runtime: berth.RuntimeWasm, Description: "test function",
		Settings: berth.FunctionSettings{MemoryMB: 128, TimeoutMS: 5000, MaxConcurrency: 4,
			Env: map[string]string{"MODE": "test"}, Visibility: berth.VisibilityPrivate}}
	if err := s.CreateFunction(t.Context(), f); err != nil {
		t.Fatalf("CreateFunction(%s): %v", name, err)
	}
	return f
}

// deploy records a deployment of f and returns it with its version.
func deploy(t *testing.T, s berth.Store, f *berth.Function, status berth.DeploymentStatus, activate bool) *berth.Deployment {
	t.Helper()
	sha := uuid.NewString()
	d := &berth.Deployment{FunctionID: f.ID, Status: status, SHA256: sha, Size: 1234, ContentType: "application/wasm",
		Artefact: "artefacts/" + f.ID + "/" + sha, CreatedBy: f.OwnerID}
	if status == berth.DeploymentFailed {
		d.Error = "the module has no _start"
	}
	if err := s.CreateDeployment(t.Context(), d, activate); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	return d
}

// mustFunction reads a function back.
func mustFunction(t *testing.T, s berth.Store, id string) *berth.Function {
	t.Helper()
	f, err := s.Function(t.Context(), id)
	if err != nil {
		t.Fatalf("Function(%s): %v", id, err)
	}
	return f
}

// wantActive checks a function's status and active version.
func wantActive(t *testing.T, s berth.Store, id string, status berth.FunctionStatus, version int) {
	t.Helper()
	f := mustFunction(t, s, id)
	if f.Status != status || f.ActiveVersion != version {
		t.Fatalf("function is %s with version %d active; want %s with %d", f.Status, f.ActiveVersion, status, version)
	}
}

func functionNames(fs []berth.Function) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func testFunctionsCreateAndGet(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	want := &berth.Function{OwnerID: u.ID, Name: "hello", Runtime: berth.RuntimeContainer, Description: "Says hello, Zoë",
		Settings: berth.FunctionSettings{MemoryMB: 256, TimeoutMS: 30000, MaxConcurrency: 8,
			Env: map[string]string{"GREETING": "hi there", "EMPTY": "", "QUOTE": `it's "quoted"`}, Visibility: berth.VisibilityPublic}}
	if err := s.CreateFunction(ctx, want); err != nil {
		t.Fatal(err)
	}
	if want.ID == "" || want.CreatedAt.IsZero() || want.UpdatedAt.IsZero() {
		t.Fatalf("CreateFunction did not fill ID and times: %+v", want)
	}
	got := mustFunction(t, s, want.ID)
	if got.OwnerID != u.ID || got.Name != want.Name || got.Runtime != want.Runtime || got.Description != want.Description ||
		got.Status != berth.FunctionInitialized || got.ActiveVersion != 0 || len(got.SecretNames) != 0 ||
		!got.DeleteAfter.IsZero() || !got.DeletionRequestedAt.IsZero() ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("Function = %+v, want %+v", got, want)
	}
	if gs, ws := got.Settings, want.Settings; gs.MemoryMB != ws.MemoryMB || gs.TimeoutMS != ws.TimeoutMS ||
		gs.MaxConcurrency != ws.MaxConcurrency || gs.Visibility != ws.Visibility || !maps.Equal(gs.Env, ws.Env) {
		t.Fatalf("Settings = %+v, want %+v", gs, ws)
	}
	if _, err := s.Function(ctx, uuid.NewString()); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown function: %v, want ErrNotFound", err)
	}

	t.Run("UpdateSettings", func(t *testing.T) {
		ns := berth.FunctionSettings{MemoryMB: 64, TimeoutMS: 1000, MaxConcurrency: 1,
			Env: map[string]string{"ONLY": "this"}, Visibility: berth.VisibilityPrivate}
		if err := s.UpdateFunctionSettings(ctx, want.ID, ns, "Renamed description"); err != nil {
			t.Fatal(err)
		}
		got := mustFunction(t, s, want.ID)
		if got.Description != "Renamed description" || got.Settings.MemoryMB != 64 || got.Settings.TimeoutMS != 1000 ||
			got.Settings.MaxConcurrency != 1 || got.Settings.Visibility != berth.VisibilityPrivate ||
			!maps.Equal(got.Settings.Env, ns.Env) || got.Name != want.Name {
			t.Fatalf("after update: %+v", got)
		}
		if got.UpdatedAt.Before(want.UpdatedAt) {
			t.Fatalf("UpdatedAt went back: %v < %v", got.UpdatedAt, want.UpdatedAt)
		}
		if err := s.UpdateFunctionSettings(ctx, uuid.NewString(), ns, ""); !errors.Is(err, berth.ErrNotFound) {
			t.Fatalf("update of an unknown function: %v, want ErrNotFound", err)
		}
	})
	t.Run("NilEnv", func(t *testing.T) {
		f := &berth.Function{OwnerID: u.ID, Name: "bare", Runtime: berth.RuntimeWasm,
			Settings: berth.FunctionSettings{MemoryMB: 1, TimeoutMS: 1, MaxConcurrency: 1, Visibility: berth.VisibilityPrivate}}
		if err := s.CreateFunction(ctx, f); err != nil {
			t.Fatal(err)
		}
		if got := mustFunction(t, s, f.ID); len(got.Settings.Env) != 0 || got.Description != "" {
			t.Fatalf("function without env = %+v", got)
		}
	})
}

func testFunctionsConflictName(t *testing.T, s berth.Store) {
	u, other := newUser(t, s), newUser(t, s)
	newFunction(t, s, u, "api")
	dup := &berth.Function{OwnerID: u.ID, Name: "api", Runtime: berth.RuntimeWasm,
		Settings: berth.FunctionSettings{MemoryMB: 1, TimeoutMS: 1, MaxConcurrency: 1, Visibility: berth.VisibilityPrivate}}
	if err := s.CreateFunction(t.Context(), dup); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("duplicate name: %v, want ErrConflict", err)
	}
	newFunction(t, s, other, "api") // names are unique per owner only
}

func testFunctionsListFilterPage(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u, other := newUser(t, s), newUser(t, s)
	byName := map[string]*berth.Function{}
	for _, name := range []string{"beta", "alpha", "a-c", "ab", "gamma-api"} {
		byName[name] = newFunction(t, s, u, name)
	}
	newFunction(t, s, other, "alpha")
	deploy(t, s, byName["beta"], berth.DeploymentReady, true)
	if err := s.PutSecrets(ctx, byName["ab"].ID, map[string][]byte{"Z": {1}, "A": {2}}); err != nil {
		t.Fatal(err)
	}
	all := berth.Page{Number: 1, Size: 50}
	tests := []struct {
		name  string
		f     berth.FunctionFilter
		want  []string
		total int
	}{
		// Byte-wise order: '-' sorts before letters in every database.
		{"Owner", berth.FunctionFilter{OwnerID: u.ID, Page: all}, []string{"a-c", "ab", "alpha", "beta", "gamma-api"}, 5},
		{"EveryOwner", berth.FunctionFilter{Page: all}, []string{"a-c", "ab", "alpha", "alpha", "beta", "gamma-api"}, 6},
		{"NameCaseInsensitive", berth.FunctionFilter{OwnerID: u.ID, Name: "API", Page: all}, []string{"gamma-api"}, 1},
		{"NameEveryOwner", berth.FunctionFilter{Name: "lph", Page: all}, []string{"alpha", "alpha"}, 2},
		{"StatusActive", berth.FunctionFilter{OwnerID: u.ID, Status: berth.FunctionActive, Page: all}, []string{"beta"}, 1},
		{"StatusInitialized", berth.FunctionFilter{OwnerID: u.ID, Status: berth.FunctionInitialized, Page: all},
			[]string{"a-c", "ab", "alpha", "gamma-api"}, 4},
		{"Page1", berth.FunctionFilter{OwnerID: u.ID, Page: berth.Page{Number: 1, Size: 2}}, []string{"a-c", "ab"}, 5},
		{"Page2", berth.FunctionFilter{OwnerID: u.ID, Page: berth.Page{Number: 2, Size: 2}}, []string{"alpha", "beta"}, 5},
		{"Page3", berth.FunctionFilter{OwnerID: u.ID, Page: berth.Page{Number: 3, Size: 2}}, []string{"gamma-api"}, 5},
		{"NoMatch", berth.FunctionFilter{OwnerID: u.ID, Name: "zeta", Page: all}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.ListFunctions(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if names := functionNames(got); !slices.Equal(names, tt.want) || total != tt.total {
				t.Fatalf("ListFunctions = %q (total %d), want %q (total %d)", names, total, tt.want, tt.total)
			}
		})
	}
	t.Run("SecretNamesFilled", func(t *testing.T) {
		got, _, err := s.ListFunctions(ctx, berth.FunctionFilter{OwnerID: u.ID, Page: all})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range got {
			want := []string{}
			if f.Name == "ab" {
				want = []string{"A", "Z"}
			}
			if !slices.Equal(f.SecretNames, want) {
				t.Errorf("%s: SecretNames = %q, want %q", f.Name, f.SecretNames, want)
			}
			if f.Name == "beta" && (f.Status != berth.FunctionActive || f.ActiveVersion != 1) {
				t.Errorf("beta listed as %s, version %d", f.Status, f.ActiveVersion)
			}
			if f.Settings.Env["MODE"] != "test" || f.OwnerID != u.ID {
				t.Errorf("%s listed without its fields: %+v", f.Name, f)
			}
		}
	})
}

func testFunctionsLikeWildcards(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	for _, name := range []string{"x_y", "x1y", "x%z", `w\v`} {
		newFunction(t, s, u, name)
	}
	for filter, want := range map[string][]string{
		"_":   {"x_y"},
		"x_":  {"x_y"},
		"%":   {"x%z"},
		`\`:   {`w\v`},
		`\v`:  {`w\v`},
		"1":   {"x1y"},
		"x":   {"x%z", "x1y", "x_y"},
		"%%":  {},
		`x\_`: {},
	} {
		got, total, err := s.ListFunctions(ctx, berth.FunctionFilter{OwnerID: u.ID, Name: filter, Page: berth.Page{Number: 1, Size: 10}})
		if err != nil {
			t.Fatalf("filter %q: %v", filter, err)
		}
		if names := functionNames(got); !slices.Equal(names, want) || total != len(want) {
			t.Errorf("filter %q = %q (total %d), want %q", filter, names, total, want)
		}
	}
}

func testSecretsPutRemove(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "keeper"), newFunction(t, s, u, "neighbour")
	check := func(want map[string][]byte, names []string) {
		t.Helper()
		got, err := s.Secrets(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("Secrets = %q, want %q", got, want)
		}
		if fn := mustFunction(t, s, f.ID); !slices.Equal(fn.SecretNames, names) {
			t.Fatalf("SecretNames = %q, want %q", fn.SecretNames, names)
		}
	}
	if err := s.PutSecrets(ctx, f.ID, map[string][]byte{"api_token": []byte("a"), "DB_URL": []byte("b"), "Z": {0, 1, 2}}); err != nil {
		t.Fatal(err)
	}
	// Byte-wise order: upper case before lower case in every database.
	check(map[string][]byte{"api_token": []byte("a"), "DB_URL": []byte("b"), "Z": {0, 1, 2}}, []string{"DB_URL", "Z", "api_token"})
	if err := s.PutSecrets(ctx, f.ID, map[string][]byte{"Z": nil, "DB_URL": []byte("b2"), "NEW": []byte("n"), "ABSENT": nil}); err != nil {
		t.Fatal(err)
	}
	check(map[string][]byte{"api_token": []byte("a"), "DB_URL": []byte("b2"), "NEW": []byte("n")}, []string{"DB_URL", "NEW", "api_token"})
	if got, err := s.Secrets(ctx, g.ID); err != nil || len(got) != 0 {
		t.Fatalf("another function's secrets = %q, %v; want none", got, err)
	}
	if err := s.PutSecrets(ctx, uuid.NewString(), map[string][]byte{"X": []byte("x")}); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("PutSecrets on an unknown function: %v, want ErrNotFound", err)
	}
}
