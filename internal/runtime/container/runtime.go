package container

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/runtime/container/engine"
)

// Interface guards.
var (
	_ berth.Runtime     = (*Runtime)(nil)
	_ berth.Activator   = (*Runtime)(nil)
	_ berth.BuildLogger = (*Runtime)(nil)
)

// ErrStartTimeout is wrapped (with berth.ErrTimeout) by the error of a call
// whose instance did not become ready within Config.StartTimeout: an http
// server that never listens, or listens too late.
var ErrStartTimeout = errors.New("instance not ready within the start timeout")

// errClosed is returned once Close has been called.
var errClosed = errors.New("container: runtime closed")

// Runtime runs functions as OCI containers through a Docker-compatible
// engine. It is safe for concurrent use.
type Runtime struct {
	cfg    Config
	log    *slog.Logger
	eng    *engine.Client
	podman *engine.PodmanService // nil with an external engine
	st     state
	limits berth.Limits

	mu       sync.Mutex
	deployed map[string]*deployment // by deployKey
	loading  map[string]*loadCall   // preparations in flight
	removed  map[string]struct{}    // removed deployments: never prepared lazily again
	fns      map[string]*fnState    // instances, by function id
	closed   bool

	stop chan struct{}  // closed by Close: ends the reaper
	bg   sync.WaitGroup // the reaper and instance removals

	// builds is held for reading by every build and for writing by a prune
	// of dangling images, which must not remove a running build's layers.
	builds sync.RWMutex
}

// deployment is a prepared deployment.
type deployment struct {
	rec *record
}

type loadCall struct {
	done chan struct{}
	dep  *deployment
	err  error
}

// New connects to the engine (or starts the private Podman service),
// checks that it answers, and returns a Runtime. Close it to stop its
// instances and the private service. Call Reconcile next, with what the
// database knows, to adopt or remove the containers of an earlier run.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		cfg: cfg, log: cfg.Logger, st: state{dir: cfg.StateDir}, limits: cfg.DefaultLimits,
		deployed: map[string]*deployment{}, loading: map[string]*loadCall{}, removed: map[string]struct{}{},
		fns: map[string]*fnState{}, stop: make(chan struct{}),
	}
	if err := r.st.init(); err != nil {
		return nil, err
	}
	if r.cfg.Scope == "" {
		if r.cfg.Scope, err = r.st.scope(); err != nil {
			return nil, err
		}
	}
	endpoint := cfg.Engine
	if endpoint == "" {
		r.podman, err = engine.StartPodman(ctx, engine.PodmanOptions{
			Path: cfg.Podman.Path, Runtime: cfg.Podman.Runtime, CgroupManager: cfg.Podman.CgroupManager,
			Args: cfg.Podman.Args, Dir: r.st.path(dirPodman), Logger: cfg.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("container: %w", err)
		}
		endpoint = r.podman.Endpoint
	}
	if r.eng, err = engine.New(endpoint); err != nil {
		r.closeEngine()
		return nil, fmt.Errorf("container: %w", err)
	}
	if err := r.Ping(ctx); err != nil {
		r.closeEngine()
		return nil, err
	}
	r.bg.Add(1)
	go r.reaper()
	r.log.Info("container runtime ready", "event", "container.ready", "engine", r.eng.Socket(),
		"private_podman", r.podman != nil, "scope", r.cfg.Scope, "watchdog", r.cfg.WatchdogPath)
	return r, nil
}

// Ping checks that the engine answers: for readiness probes.
func (r *Runtime) Ping(ctx context.Context) error {
	if err := r.eng.Ping(ctx); err != nil {
		return fmt.Errorf("container: the engine at %s does not answer: %w", r.eng.Socket(), err)
	}
	return nil
}

// Engine names the engine in use (its socket) and whether the runtime
// started it.
func (r *Runtime) Engine() (socket string, private bool) {
	return r.eng.Socket(), r.podman != nil
}

// Close stops every instance (calls in flight fail), waits for their
// removal (bounded by ctx) and stops the private Podman service. Images
// and kept records stay for the next start.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.stop)
	for _, f := range r.fns {
		for _, in := range f.instances {
			r.stopLocked(f, in, "close")
		}
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.bg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("container: close: instances still stopping: %w", ctx.Err())
	}
	r.closeEngine()
	return err
}

func (r *Runtime) closeEngine() {
	if r.eng != nil {
		r.eng.Close()
	}
	if r.podman != nil {
		_ = r.podman.Close(context.Background())
	}
}

// deployment returns d's prepared deployment. explicit (Prepare) builds
// when needed; otherwise (Invoke) it adopts a record kept by an earlier run,
// or builds lazily from the artefact, and refuses removed deployments.
// loaded reports that this call did the work.
func (r *Runtime) deployment(ctx context.Context, d berth.DeploymentRef, explicit bool) (dep *deployment, loaded bool, err error) {
	key := deployKey(d.FunctionID, d.Version)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, false, errClosed
	}
	if dep := r.deployed[key]; dep != nil && (!explicit || d.SHA256 == "" || dep.rec.SHA256 == d.SHA256) {
		r.mu.Unlock()
		return dep, false, nil
	}
	if _, gone := r.removed[key]; gone && !explicit {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("%w: %s was removed", berth.ErrNotDeployed, key)
	}
	if c := r.loading[key]; c != nil {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.dep, c.err == nil, c.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	c := &loadCall{done: make(chan struct{})}
	r.loading[key] = c
	r.mu.Unlock()

	c.dep, c.err = r.load(ctx, d, explicit)

	r.mu.Lock()
	delete(r.loading, key)
	if _, gone := r.removed[key]; gone && c.err == nil {
		c.dep, c.err = nil, fmt.Errorf("%w: %s was removed", berth.ErrNotDeployed, key)
	}
	if c.err == nil {
		r.deployed[key] = c.dep
	}
	close(c.done)
	r.mu.Unlock()
	return c.dep, c.err == nil, c.err
}

// load adopts a kept record whose image still exists, or builds.
func (r *Runtime) load(ctx context.Context, d berth.DeploymentRef, explicit bool) (*deployment, error) {
	rec, err := r.st.loadRecord(d.FunctionID, d.Version)
	if err != nil {
		return nil, err
	}
	if rec != nil && (d.SHA256 == "" || rec.SHA256 == "" || rec.SHA256 == d.SHA256) {
		_, err := r.eng.InspectImage(ctx, rec.ImageID)
		switch {
		case err == nil:
			return &deployment{rec: rec}, nil
		case !engine.IsNotFound(err):
			return nil, err
		}
		r.log.Warn("kept deployment lost its image: building again", "event", "container.image_lost",
			"function_id", d.FunctionID, "version", d.Version, "image_id", rec.ImageID)
	}
	if !explicit && d.ArtefactPath == "" {
		return nil, fmt.Errorf("%w: %s", berth.ErrNotDeployed, deployKey(d.FunctionID, d.Version))
	}
	if _, err := os.Stat(d.ArtefactPath); !explicit && errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: the artefact of %s is gone", berth.ErrNotDeployed, deployKey(d.FunctionID, d.Version))
	}
	rec, err = r.build(ctx, d)
	if err != nil {
		return nil, err
	}
	return &deployment{rec: rec}, nil
}

// Prepare builds d's image from its build context (see the package
// documentation for the archive's layout). Outcomes: nil (also when d is
// already built, in this run or an earlier one whose image still exists);
// an error wrapping berth.ErrBadArtefact with a message for the user (a bad
// archive, no Containerfile, a failed or timed-out build: its log is kept,
// see BuildLog); any other error is the platform's. Preparing a removed
// deployment again makes it live again.
func (r *Runtime) Prepare(ctx context.Context, d berth.DeploymentRef) error {
	r.mu.Lock()
	delete(r.removed, deployKey(d.FunctionID, d.Version))
	r.mu.Unlock()
	_, _, err := r.deployment(ctx, d, true)
	return err
}

// Remove stops d's instances once their calls in flight have finished
// (waiting for that at most until ctx ends), then removes its image and its
// record. The build log stays (the API shows it for failed deployments
// too); Reconcile drops the logs of deployments the database no longer
// knows. Removing an unknown deployment is not an error.
func (r *Runtime) Remove(ctx context.Context, d berth.DeploymentRef) error {
	key := deployKey(d.FunctionID, d.Version)
	r.mu.Lock()
	r.removed[key] = struct{}{}
	dep := r.deployed[key]
	delete(r.deployed, key)
	var gone []chan struct{}
	if f := r.fns[d.FunctionID]; f != nil {
		for _, in := range f.instances {
			if in.version == d.Version {
				r.drainLocked(f, in, "removed")
				gone = append(gone, in.gone)
			}
		}
	}
	r.mu.Unlock()
	for _, g := range gone {
		select {
		case <-g:
		case <-ctx.Done():
			return fmt.Errorf("container: remove %s: instances still busy: %w", key, ctx.Err())
		}
	}
	rec := (*record)(nil)
	if dep != nil {
		rec = dep.rec
	} else if kept, err := r.st.loadRecord(d.FunctionID, d.Version); err == nil {
		rec = kept
	}
	if err := os.Remove(r.st.recordPath(d.FunctionID, d.Version)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("container: remove record: %w", err)
	}
	tag := imageTag(d.FunctionID, d.Version)
	if rec != nil {
		tag = rec.Image
	}
	if err := r.eng.RemoveImage(ctx, tag); err != nil && !engine.IsConflict(err) {
		return fmt.Errorf("container: remove image %s: %w", tag, err)
	}
	r.pruneImages(ctx)
	if dep != nil {
		r.log.Info("container deployment removed", "event", "container.remove", "function_id", d.FunctionID, "version", d.Version)
	}
	return nil
}

// pruneImages removes the dangling images of this scope (build cache and
// stage images) unless a build is running. Failures are only logged: the
// next prune tries again.
func (r *Runtime) pruneImages(ctx context.Context) int {
	if !r.builds.TryLock() {
		return 0
	}
	defer r.builds.Unlock()
	// The lock covers this process's builds; the age covers every other
	// process building on the same engine (another installation, a test).
	n, err := r.eng.PruneImages(ctx, []string{labelScope + "=" + r.cfg.Scope}, r.cfg.BuildTimeout)
	if err != nil {
		r.log.Warn("dangling images not pruned", "event", "container.prune", "error", err)
	}
	return n
}

// BuildLog returns the log of d's last build (also of a failed one). An
// error wrapping berth.ErrNotDeployed means there is none.
func (r *Runtime) BuildLog(_ context.Context, d berth.DeploymentRef) (string, error) {
	bl, err := r.st.loadBuildLog(d.FunctionID, d.Version)
	if err != nil {
		return "", err
	}
	if bl == nil {
		return "", fmt.Errorf("%w: no build log for %s", berth.ErrNotDeployed, deployKey(d.FunctionID, d.Version))
	}
	return bl.Log, nil
}

// ImageID returns the id of d's image ("sha256:…"), or "" when d is not
// built.
func (r *Runtime) ImageID(d berth.DeploymentRef) string {
	r.mu.Lock()
	dep := r.deployed[deployKey(d.FunctionID, d.Version)]
	r.mu.Unlock()
	if dep != nil {
		return dep.rec.ImageID
	}
	if rec, err := r.st.loadRecord(d.FunctionID, d.Version); err == nil && rec != nil {
		return rec.ImageID
	}
	return ""
}

// now is the runtime's clock.
func now() time.Time { return time.Now() }
