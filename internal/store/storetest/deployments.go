package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/berth-platform/berth"
)

func testDeploymentsConcurrent(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "busy")
	const n = 10
	var mu sync.Mutex
	var versions []int
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &berth.Deployment{FunctionID: f.ID, Status: berth.DeploymentReady, SHA256: "abc", Artefact: "a", CreatedBy: f.OwnerID}
			if err := s.CreateDeployment(ctx, d, true); err != nil {
				t.Errorf("CreateDeployment: %v", err)
				return
			}
			mu.Lock()
			versions = append(versions, d.Version)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(versions)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(versions, want) {
		t.Fatalf("concurrent deploys got versions %v, want %v", versions, want)
	}
	// Deploys queue on the function, so the last to commit has the highest version.
	wantActive(t, s, f.ID, berth.FunctionActive, n)
	ds, total, err := s.ListDeployments(ctx, f.ID, berth.Page{Number: 1, Size: 50})
	if err != nil || total != n || len(ds) != n || ds[0].Version != n || ds[n-1].Version != 1 {
		t.Fatalf("ListDeployments = %d deployments (total %d), %v", len(ds), total, err)
	}
}

func testDeploymentsFailedNotActivated(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "flaky")
	d1 := deploy(t, s, f, berth.DeploymentFailed, true)
	if d1.Version != 1 || d1.CreatedAt.IsZero() {
		t.Fatalf("first deployment = %+v", d1)
	}
	wantActive(t, s, f.ID, berth.FunctionInitialized, 0)
	deploy(t, s, f, berth.DeploymentReady, true)
	wantActive(t, s, f.ID, berth.FunctionActive, 2)
	d3 := deploy(t, s, f, berth.DeploymentFailed, true)
	d4 := deploy(t, s, f, berth.DeploymentReady, false)
	if d3.Version != 3 || d4.Version != 4 {
		t.Fatalf("versions %d, %d; want 3, 4", d3.Version, d4.Version)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 2)
	got, err := s.Deployment(ctx, f.ID, 3)
	if err != nil || got.Status != berth.DeploymentFailed || got.Error != d3.Error || got.Error == "" {
		t.Fatalf("failed deployment = %+v, %v", got, err)
	}
	if err := s.ActivateDeployment(ctx, f.ID, 3); !errors.Is(err, berth.ErrInvalid) {
		t.Fatalf("activating a failed version: %v, want ErrInvalid", err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 2)
	if _, err := s.Deployment(ctx, f.ID, 99); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown version: %v, want ErrNotFound", err)
	}
	if err := s.ActivateDeployment(ctx, f.ID, 99); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("activating an unknown version: %v, want ErrNotFound", err)
	}
	if err := s.ActivateDeployment(ctx, uuid.NewString(), 1); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("activating in an unknown function: %v, want ErrNotFound", err)
	}
}

func testDeploymentsFinish(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "builder")
	d1 := deploy(t, s, f, berth.DeploymentBuilding, false)
	wantActive(t, s, f.ID, berth.FunctionInitialized, 0)
	if err := s.ActivateDeployment(ctx, f.ID, d1.Version); !errors.Is(err, berth.ErrInvalid) {
		t.Fatalf("activating a building version: %v, want ErrInvalid", err)
	}
	if err := s.FinishDeployment(ctx, f.ID, d1.Version, berth.DeploymentReady, "", true); err != nil {
		t.Fatal(err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 1)
	if got, err := s.Deployment(ctx, f.ID, 1); err != nil || got.Status != berth.DeploymentReady || got.Error != "" {
		t.Fatalf("finished deployment = %+v, %v", got, err)
	}
	if err := s.FinishDeployment(ctx, f.ID, 1, berth.DeploymentFailed, "late", false); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("finishing twice: %v, want ErrConflict", err)
	}
	if got, _ := s.Deployment(ctx, f.ID, 1); got.Status != berth.DeploymentReady {
		t.Fatalf("a refused finish changed the deployment: %+v", got)
	}

	d2 := deploy(t, s, f, berth.DeploymentBuilding, false)
	if err := s.FinishDeployment(ctx, f.ID, d2.Version, berth.DeploymentFailed, "no entry point", true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Deployment(ctx, f.ID, 2); err != nil || got.Status != berth.DeploymentFailed || got.Error != "no entry point" {
		t.Fatalf("failed deployment = %+v, %v", got, err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 1)

	d3 := deploy(t, s, f, berth.DeploymentBuilding, false)
	if err := s.FinishDeployment(ctx, f.ID, d3.Version, berth.DeploymentReady, "", false); err != nil {
		t.Fatal(err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 1)

	// A slow deploy finishing after a newer one does not displace it.
	slow, fast := deploy(t, s, f, berth.DeploymentBuilding, false), deploy(t, s, f, berth.DeploymentBuilding, false)
	if err := s.FinishDeployment(ctx, f.ID, fast.Version, berth.DeploymentReady, "", true); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDeployment(ctx, f.ID, slow.Version, berth.DeploymentReady, "", true); err != nil {
		t.Fatal(err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, fast.Version)

	if err := s.FinishDeployment(ctx, f.ID, 99, berth.DeploymentReady, "", true); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown version: %v, want ErrNotFound", err)
	}
	if err := s.FinishDeployment(ctx, uuid.NewString(), 1, berth.DeploymentReady, "", true); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("unknown function: %v, want ErrNotFound", err)
	}

	t.Run("ErrConflictPending", func(t *testing.T) {
		d4 := deploy(t, s, f, berth.DeploymentBuilding, false)
		now := time.Now()
		if err := s.ScheduleDeletion(ctx, f.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishDeployment(ctx, f.ID, d4.Version, berth.DeploymentReady, "", true); !errors.Is(err, berth.ErrConflict) {
			t.Fatalf("activating while pending deletion: %v, want ErrConflict", err)
		}
		if got, err := s.Deployment(ctx, f.ID, d4.Version); err != nil || got.Status != berth.DeploymentReady {
			t.Fatalf("deployment refused activation = %+v, %v; want it left ready", got, err)
		}
		wantActive(t, s, f.ID, berth.FunctionPendingDeletion, fast.Version)
	})
}

func testDeploymentsFailStale(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "one"), newFunction(t, s, u, "two")
	deploy(t, s, f, berth.DeploymentBuilding, false)
	deploy(t, s, f, berth.DeploymentReady, true)
	deploy(t, s, g, berth.DeploymentBuilding, false)
	// Deployments younger than the cut-off may be another replica's work.
	if n, err := s.FailStaleDeployments(ctx, time.Now().Add(-time.Hour), "too early"); err != nil || n != 0 {
		t.Fatalf("FailStaleDeployments before they were created = %d, %v; want 0", n, err)
	}
	n, err := s.FailStaleDeployments(ctx, time.Now().Add(time.Second), "the server stopped during the deploy")
	if err != nil || n != 2 {
		t.Fatalf("FailStaleDeployments = %d, %v; want 2", n, err)
	}
	for _, c := range []struct {
		fn      *berth.Function
		version int
		status  berth.DeploymentStatus
	}{{f, 1, berth.DeploymentFailed}, {f, 2, berth.DeploymentReady}, {g, 1, berth.DeploymentFailed}} {
		got, err := s.Deployment(ctx, c.fn.ID, c.version)
		if err != nil || got.Status != c.status || (c.status == berth.DeploymentFailed) != (got.Error == "the server stopped during the deploy") {
			t.Errorf("%s v%d = %+v, %v; want %s", c.fn.Name, c.version, got, err, c.status)
		}
	}
	if n, err := s.FailStaleDeployments(ctx, time.Now().Add(time.Second), "again"); err != nil || n != 0 {
		t.Fatalf("second FailStaleDeployments = %d, %v; want 0", n, err)
	}
}

func testDeploymentsRollback(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "steady")
	d1 := deploy(t, s, f, berth.DeploymentReady, true)
	deploy(t, s, f, berth.DeploymentReady, true)
	wantActive(t, s, f.ID, berth.FunctionActive, 2)
	if err := s.ActivateDeployment(ctx, f.ID, 1); err != nil {
		t.Fatal(err)
	}
	wantActive(t, s, f.ID, berth.FunctionActive, 1)
	got, err := s.Deployment(ctx, f.ID, 1)
	if err != nil || got.FunctionID != f.ID || got.Status != berth.DeploymentReady || got.SHA256 != d1.SHA256 || got.Size != d1.Size ||
		got.ContentType != d1.ContentType || got.Artefact != d1.Artefact || got.CreatedBy != d1.CreatedBy ||
		!got.CreatedAt.Equal(d1.CreatedAt) {
		t.Fatalf("Deployment = %+v, %v; want %+v", got, err, d1)
	}
	for page, want := range map[int]int{1: 2, 2: 1} {
		ds, total, err := s.ListDeployments(ctx, f.ID, berth.Page{Number: page, Size: 1})
		if err != nil || total != 2 || len(ds) != 1 || ds[0].Version != want {
			t.Fatalf("ListDeployments page %d = %+v (total %d), %v; want version %d", page, ds, total, err, want)
		}
	}
}

func testDeploymentsRefusedWhilePending(t *testing.T, s berth.Store) {
	ctx := t.Context()
	f := newFunction(t, s, newUser(t, s), "leaving")
	deploy(t, s, f, berth.DeploymentReady, true)
	now := time.Now()
	if err := s.ScheduleDeletion(ctx, f.ID, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	d := &berth.Deployment{FunctionID: f.ID, Status: berth.DeploymentReady, Artefact: "a"}
	if err := s.CreateDeployment(ctx, d, true); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deploy while pending deletion: %v, want ErrNotFound", err)
	}
	if err := s.ActivateDeployment(ctx, f.ID, 1); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("rollback while pending deletion: %v, want ErrConflict", err)
	}
	wantActive(t, s, f.ID, berth.FunctionPendingDeletion, 1)
	if err := s.CancelDeletion(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if d := deploy(t, s, f, berth.DeploymentReady, true); d.Version != 2 {
		t.Fatalf("version after a refused deploy = %d, want 2", d.Version)
	}
	d = &berth.Deployment{FunctionID: uuid.NewString(), Status: berth.DeploymentReady, Artefact: "a"}
	if err := s.CreateDeployment(ctx, d, true); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deploy to an unknown function: %v, want ErrNotFound", err)
	}
}

func testDeletionScheduleCancelDue(t *testing.T, s berth.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := newUser(t, s)
	active, idle, later := newFunction(t, s, u, "active"), newFunction(t, s, u, "idle"), newFunction(t, s, u, "later")
	deploy(t, s, active, berth.DeploymentReady, true)
	schedule := map[*berth.Function][2]time.Time{
		active: {now.Add(-2 * time.Hour), now.Add(-time.Hour)},
		idle:   {now.Add(-time.Hour), now.Add(-30 * time.Minute)},
		later:  {now, now.Add(24 * time.Hour)},
	}
	for f, at := range schedule {
		if err := s.ScheduleDeletion(ctx, f.ID, at[0], at[1]); err != nil {
			t.Fatal(err)
		}
	}
	got := mustFunction(t, s, active.ID)
	if got.Status != berth.FunctionPendingDeletion || !got.DeletionRequestedAt.Equal(schedule[active][0]) ||
		!got.DeleteAfter.Equal(schedule[active][1]) || got.ActiveVersion != 1 {
		t.Fatalf("pending function = %+v", got)
	}
	if err := s.ScheduleDeletion(ctx, active.ID, now, now); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("scheduling twice: %v, want ErrConflict", err)
	}
	if got := mustFunction(t, s, active.ID); !got.DeleteAfter.Equal(schedule[active][1]) {
		t.Fatalf("a refused schedule moved DeleteAfter to %v", got.DeleteAfter)
	}
	if err := s.ScheduleDeletion(ctx, uuid.NewString(), now, now); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("scheduling an unknown function: %v, want ErrNotFound", err)
	}
	due := func(at time.Time, limit int) []string {
		t.Helper()
		fs, err := s.DueDeletions(ctx, at, limit)
		if err != nil {
			t.Fatal(err)
		}
		return functionNames(fs)
	}
	if got := due(now, 10); !slices.Equal(got, []string{"active", "idle"}) {
		t.Fatalf("DueDeletions = %q, want [active idle]", got)
	}
	if got := due(now, 1); !slices.Equal(got, []string{"active"}) {
		t.Fatalf("DueDeletions(limit 1) = %q, want [active]", got)
	}
	if _, total, _ := s.ListFunctions(ctx, berth.FunctionFilter{OwnerID: u.ID, Status: berth.FunctionPendingDeletion,
		Page: berth.Page{Number: 1, Size: 10}}); total != 3 {
		t.Fatalf("%d functions listed pending, want 3", total)
	}
	for f, want := range map[*berth.Function]berth.FunctionStatus{active: berth.FunctionActive, idle: berth.FunctionInitialized} {
		if err := s.CancelDeletion(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		got := mustFunction(t, s, f.ID)
		if got.Status != want || !got.DeleteAfter.IsZero() || !got.DeletionRequestedAt.IsZero() {
			t.Fatalf("%s after cancel = %+v, want %s", f.Name, got, want)
		}
	}
	wantActive(t, s, active.ID, berth.FunctionActive, 1)
	if err := s.CancelDeletion(ctx, active.ID); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("cancelling twice: %v, want ErrConflict", err)
	}
	if err := s.CancelDeletion(ctx, uuid.NewString()); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("cancelling an unknown function: %v, want ErrNotFound", err)
	}
	if got := due(now, 10); len(got) != 0 {
		t.Fatalf("DueDeletions after cancelling = %q, want none", got)
	}
	if got := due(now.Add(25*time.Hour), 10); !slices.Equal(got, []string{"later"}) {
		t.Fatalf("DueDeletions tomorrow = %q, want [later]", got)
	}
}

func testDeletionKeepsExecutions(t *testing.T, s berth.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	f, g := newFunction(t, s, u, "doomed"), newFunction(t, s, u, "bystander")
	d1, d2 := deploy(t, s, f, berth.DeploymentReady, true), deploy(t, s, f, berth.DeploymentFailed, false)
	deploy(t, s, g, berth.DeploymentReady, true)
	for _, fn := range []*berth.Function{f, g} {
		if err := s.PutSecrets(ctx, fn.ID, map[string][]byte{"TOKEN": []byte("sealed")}); err != nil {
			t.Fatal(err)
		}
	}
	fk, gk := newAPIKey(t, s, f), newAPIKey(t, s, g)
	base := time.Now().UTC().Truncate(time.Microsecond)
	es := []berth.Execution{newExecution(f, base.Add(-time.Minute), berth.ExecSuccess, "hello"),
		newExecution(f, base, berth.ExecError, "boom")}
	if err := s.AppendExecutions(ctx, es); err != nil {
		t.Fatal(err)
	}

	if _, err := s.DeleteFunction(ctx, f.ID, time.Now()); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("DeleteFunction of a live function: %v, want ErrConflict", err)
	}
	now := time.Now()
	if err := s.ScheduleDeletion(ctx, f.ID, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteFunction(ctx, f.ID, now); !errors.Is(err, berth.ErrConflict) {
		t.Fatalf("DeleteFunction before the grace period ended: %v, want ErrConflict", err)
	}
	removed, err := s.DeleteFunction(ctx, f.ID, now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(removed, func(a, b berth.Deployment) int { return a.Version - b.Version })
	if len(removed) != 2 || removed[0].Artefact != d1.Artefact || removed[1].Artefact != d2.Artefact || removed[1].Version != 2 {
		t.Fatalf("DeleteFunction returned %+v; want versions 1 and 2 with their artefacts", removed)
	}
	if _, err := s.Function(ctx, f.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleted function: %v, want ErrNotFound", err)
	}
	if _, err := s.Deployment(ctx, f.ID, 1); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deployment of a deleted function: %v, want ErrNotFound", err)
	}
	if ds, total, err := s.ListDeployments(ctx, f.ID, berth.Page{Number: 1, Size: 10}); err != nil || total != 0 || len(ds) != 0 {
		t.Fatalf("deployments of a deleted function: %d (total %d), %v", len(ds), total, err)
	}
	if sec, err := s.Secrets(ctx, f.ID); err != nil || len(sec) != 0 {
		t.Fatalf("secrets of a deleted function: %v, %v", sec, err)
	}
	if _, err := s.APIKey(ctx, fk.ID); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("API key of a deleted function: %v, want ErrNotFound", err)
	}
	list, total, err := s.ListExecutions(ctx, berth.ExecutionFilter{FunctionID: f.ID, Page: berth.Page{Number: 1, Size: 10}})
	if err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("executions after DeleteFunction: %d (total %d), %v; want 2 kept", len(list), total, err)
	}
	if e, err := s.Execution(ctx, f.ID, es[1].ID); err != nil || !slices.Equal(e.Logs, []string{"boom"}) {
		t.Fatalf("Execution after DeleteFunction = %+v, %v", e, err)
	}
	if sum, err := s.FunctionSummary(ctx, f.ID, base.Add(-time.Hour)); err != nil || sum.Invocations != 2 || sum.Errors != 1 {
		t.Fatalf("FunctionSummary after DeleteFunction = %+v, %v", sum, err)
	}

	// The other function keeps everything.
	wantActive(t, s, g.ID, berth.FunctionActive, 1)
	if sec, err := s.Secrets(ctx, g.ID); err != nil || len(sec) != 1 {
		t.Fatalf("bystander's secrets: %v, %v", sec, err)
	}
	if _, err := s.APIKey(ctx, gk.ID); err != nil {
		t.Fatalf("bystander's API key: %v", err)
	}
	if _, err := s.Deployment(ctx, g.ID, 1); err != nil {
		t.Fatalf("bystander's deployment: %v", err)
	}

	newFunction(t, s, u, "doomed") // the name is free again
	if _, err := s.DeleteFunction(ctx, f.ID, now.Add(2*time.Hour)); !errors.Is(err, berth.ErrNotFound) {
		t.Fatalf("deleting a deleted function: %v, want ErrNotFound", err)
	}
}
