package manager

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/berth-platform/berth"
)

// purgeBatch is how many due deletions one pass handles.
const purgeBatch = 100

// purgeDue removes functions whose grace period has ended: the records
// first (so a crash never leaves a live function without its files), then
// what the runtime holds and the artefacts on disk. Executions stay for
// stats.
func (m *Manager) purgeDue(ctx context.Context) {
	due, err := m.store.DueDeletions(ctx, m.now(), purgeBatch)
	if err != nil {
		m.log.WarnContext(ctx, "due deletions not read", "event", "purge", "error", err)
		return
	}
	for i := range due {
		f := &due[i]
		deps, err := m.store.DeleteFunction(ctx, f.ID, m.now())
		if errors.Is(err, berth.ErrConflict) {
			continue // cancelled since it was listed
		}
		if err != nil {
			m.log.WarnContext(ctx, "function not purged", "event", "purge", "function_id", f.ID, "error", err)
			continue
		}
		if rt, ok := m.runtimes[f.Runtime]; ok {
			for j := range deps {
				if err := rt.Remove(ctx, m.ref(f, &deps[j])); err != nil {
					m.log.WarnContext(ctx, "runtime did not free a deployment", "event", "purge", "function_id", f.ID,
						"version", deps[j].Version, "error", err)
				}
			}
		}
		versions := make([]int, len(deps))
		for j := range deps {
			versions[j] = deps[j].Version
		}
		m.invoker.Forget(f.ID, versions)
		if err := os.RemoveAll(filepath.Join(m.dataDir, "artefacts", f.ID)); err != nil {
			m.log.WarnContext(ctx, "artefacts not removed", "event", "purge", "function_id", f.ID, "error", err)
		}
		m.audit(ctx, berth.AuditEvent{ActorID: f.OwnerID, Action: actFunctionPurge, Target: f.ID, Outcome: berth.AuditSuccess,
			Detail: "grace period ended; " + strconv.Itoa(len(deps)) + " deployments removed"})
		m.log.InfoContext(ctx, "function deleted", "event", "purge", "function_id", f.ID, "user_id", f.OwnerID)
	}
}

// failStaleDeployments fails deployments that have been building for longer
// than a deploy may take: their process stopped mid-deploy (a crash, a
// kill -9). Younger ones may be another replica's work in progress.
func (m *Manager) failStaleDeployments(ctx context.Context) {
	before := m.now().Add(-m.fn.PrepareTimeout - time.Minute)
	n, err := m.store.FailStaleDeployments(ctx, before, "interrupted: the server stopped while this version was being prepared; deploy it again")
	if err != nil {
		m.log.WarnContext(ctx, "stale deployments not reconciled", "event", "reconcile", "error", err)
	} else if n > 0 {
		m.log.WarnContext(ctx, "deployments left half-done by a stopped process were marked failed", "event", "reconcile", "count", n)
	}
}
