package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
)

// Interface guards.
var (
	_ berth.Runtime   = (*Runtime)(nil)
	_ berth.Activator = (*Runtime)(nil)
)

// Defaults for the zero fields of Config and of berth.Limits.
const (
	DefaultMemoryMB        = berth.DefaultMemoryMB
	DefaultTimeout         = berth.DefaultTimeout
	DefaultMaxOutputBytes  = berth.DefaultMaxOutputBytes
	DefaultMaxLogBytes     = berth.DefaultMaxLogBytes
	DefaultMaxMemoryMB     = 1024
	DefaultMaxRequestBytes = 32 << 20

	// maxMemoryMB is wasm32's address space: 65536 pages of 64 KiB.
	maxMemoryMB = 4096
)

// Config configures a Runtime. The zero value works: no disk cache, the
// package defaults, no logging.
type Config struct {
	// CacheDir keeps wazero's compiled code across restarts. It is created
	// if missing and must be private to this process (wazero trusts it).
	// Empty disables the disk cache.
	CacheDir string
	// DefaultLimits fills the zero fields of InvokeRequest.Limits; its own
	// zero fields take DefaultMemoryMB, DefaultTimeout,
	// DefaultMaxOutputBytes and DefaultMaxLogBytes.
	DefaultLimits berth.Limits
	// MaxMemoryMB caps any invocation's Limits.MemoryMB (larger requests are
	// lowered to it). Default DefaultMaxMemoryMB; at most 4096.
	MaxMemoryMB int
	// MaxRequestBytes caps the request body handed to a module on stdin.
	// Default DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MemoryBudgetMB bounds the linear memory of every instance alive at
	// once: each call reserves its Limits.MemoryMB before it starts, and a
	// call that finds no room within MemoryWait fails with berth.ErrBusy.
	// Zero: AutoMemoryBudgetMB. It must be at least MaxMemoryMB.
	MemoryBudgetMB int
	// MemoryWait is how long a call waits for room in the budget. Default
	// DefaultMemoryWait.
	MemoryWait time.Duration
	// Artefact bounds the reading of uploaded archives (links are always
	// refused for wasm artefacts).
	Artefact artefact.Options
	// Logger receives compile and remove events. Nil discards them.
	Logger *slog.Logger
}

// Runtime runs WAGI modules on wazero. It is safe for concurrent use.
type Runtime struct {
	cfg    Config
	log    *slog.Logger
	wz     wazero.Runtime
	cache  wazero.CompilationCache // nil without CacheDir
	wasi   map[string]api.FunctionDefinition
	base   wazero.ModuleConfig
	limits berth.Limits
	budget *budget

	mu       sync.Mutex
	deployed map[string]*deployment // by deployKey
	loading  map[string]*loadCall   // preparations in flight, by deployKey
	modules  map[string]*module     // compiled modules, by sha256 of the bytes
	removed  map[string]struct{}    // deployKeys removed: never prepared lazily again
	closed   bool
}

// deployment is a prepared DeploymentRef.
type deployment struct {
	mod   *module
	argv0 string
}

// module is one compiled module, shared by every deployment of the same
// bytes and held by every invocation that runs it.
type module struct {
	sha      string
	compiled wazero.CompiledModule
	minPages uint32
	refs     int
	ready    chan struct{} // closed once compiled (or failed)
	err      error
}

type loadCall struct {
	done chan struct{}
	dep  *deployment
	err  error
}

// New returns a Runtime. Close it to free compiled code.
func New(cfg Config) (*Runtime, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r := &Runtime{
		cfg:      cfg,
		log:      cfg.Logger,
		deployed: map[string]*deployment{},
		loading:  map[string]*loadCall{},
		modules:  map[string]*module{},
		removed:  map[string]struct{}{},
		limits:   cfg.DefaultLimits,
		budget:   newBudget(cfg.MemoryBudgetMB, cfg.MemoryWait),
	}
	r.log.Info("wasm memory budget", "event", "wasm.budget", "memory_budget_mb", cfg.MemoryBudgetMB,
		"max_memory_mb", cfg.MaxMemoryMB, "wait", cfg.MemoryWait)
	// Memory is limited per invocation by the allocator (memory.go), so the
	// runtime-wide limit stays at wasm32's maximum: a lower one would refuse
	// to compile modules that merely declare a larger maximum.
	rc := wazero.NewRuntimeConfig().WithCloseOnContextDone(true).WithCustomSections(false)
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("wasm: cache directory: %w", err)
		}
		if r.cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, fmt.Errorf("wasm: cache directory: %w", err)
		}
		rc = rc.WithCompilationCache(r.cache)
	}
	r.wz = wazero.NewRuntimeWithConfig(ctx, rc)
	if err := instantiateWASI(ctx, r.wz); err != nil {
		_ = r.Close(ctx)
		return nil, fmt.Errorf("wasm: instantiate WASI: %w", err)
	}
	r.wasi = r.wz.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions()
	// No WithFS, no sockets: the module sees no host files and no network.
	// Real clocks and randomness, because functions check token expiry and
	// generate identifiers; wazero's defaults are fakes for reproducibility.
	r.base = wazero.NewModuleConfig().
		WithName("").
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	return r, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxMemoryMB == 0 {
		cfg.MaxMemoryMB = DefaultMaxMemoryMB
	}
	if cfg.MaxMemoryMB < 0 || cfg.MaxMemoryMB > maxMemoryMB {
		return cfg, fmt.Errorf("wasm: MaxMemoryMB %d must be between 1 and %d", cfg.MaxMemoryMB, maxMemoryMB)
	}
	if cfg.MemoryBudgetMB == 0 {
		cfg.MemoryBudgetMB = AutoMemoryBudgetMB(os.DirFS("/"), cfg.MaxMemoryMB)
	}
	if cfg.MemoryBudgetMB < cfg.MaxMemoryMB {
		return cfg, fmt.Errorf("wasm: MemoryBudgetMB %d must be at least MaxMemoryMB (%d): a call at the largest limit could never run", cfg.MemoryBudgetMB, cfg.MaxMemoryMB)
	}
	if cfg.MemoryWait <= 0 {
		cfg.MemoryWait = DefaultMemoryWait
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	cfg.Artefact.Links = artefact.RefuseLinks
	cfg.DefaultLimits = cfg.DefaultLimits.Or(berth.DefaultLimits())
	return cfg, nil
}

// Close frees every compiled module and the wazero runtime. Invocations in
// flight are stopped.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	err := r.wz.Close(ctx)
	if r.cache != nil {
		err = errors.Join(err, r.cache.Close(ctx))
	}
	return err
}

func deployKey(d berth.DeploymentRef) string {
	return d.FunctionID + "@" + strconv.Itoa(d.Version)
}

// Prepare reads, checks and compiles d's module. Outcomes: nil (also when d
// is already prepared); an error wrapping berth.ErrBadArtefact with a message
// for the user; any other error is the platform's. Preparing a removed
// deployment again makes it live again.
func (r *Runtime) Prepare(ctx context.Context, d berth.DeploymentRef) error {
	r.mu.Lock()
	delete(r.removed, deployKey(d))
	r.mu.Unlock()
	_, _, err := r.deployment(ctx, d, true)
	return err
}

// Remove forgets d and frees its compiled module when no other deployment
// or running invocation uses it. Invocations in flight finish normally.
// Compiled code in the disk cache stays: it is keyed by content, may serve
// another deployment of the same module, and wazero names no file per
// module; clear CacheDir when wazero is upgraded or space matters.
func (r *Runtime) Remove(_ context.Context, d berth.DeploymentRef) error {
	key := deployKey(d)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removed[key] = struct{}{}
	dep := r.deployed[key]
	if dep == nil {
		return nil
	}
	delete(r.deployed, key)
	r.releaseLocked(dep.mod)
	r.log.Info("wasm deployment removed", "event", "wasm.remove", "function_id", d.FunctionID, "version", d.Version)
	return nil
}

// Activate is told that d became its function's active version (a deploy
// or a rollback) and unloads the function's other versions: compiled code
// is large (about 18 MiB of native code for a Go module), and without this
// every version ever deployed would stay in memory until the process ends.
// An unloaded version is not removed: a rollback to it, or a call that
// was on its way during the switch, prepares it again from its artefact
// (and from the disk cache when there is one). Invocations in flight keep
// their module until they end.
func (r *Runtime) Activate(_ context.Context, d berth.DeploymentRef) error {
	key, prefix := deployKey(d), d.FunctionID+"@"
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, dep := range r.deployed {
		if k == key || !strings.HasPrefix(k, prefix) {
			continue
		}
		delete(r.deployed, k)
		r.releaseLocked(dep.mod)
		r.log.Info("wasm deployment unloaded: another version is active", "event", "wasm.unload",
			"function_id", d.FunctionID, "deployment", k, "active_version", d.Version)
	}
	return nil
}

// deployment returns d's prepared deployment, preparing it from its artefact
// when needed (explicit: from Prepare; otherwise lazily from Invoke, which
// refuses removed deployments). loaded reports that this call prepared it.
func (r *Runtime) deployment(ctx context.Context, d berth.DeploymentRef, explicit bool) (dep *deployment, loaded bool, err error) {
	key := deployKey(d)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, false, errors.New("wasm: runtime closed")
	}
	if dep := r.deployed[key]; dep != nil {
		r.mu.Unlock()
		return dep, false, nil
	}
	if _, gone := r.removed[key]; gone && !explicit {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("%w: %s was removed", berth.ErrNotDeployed, key)
	}
	if !explicit && d.ArtefactPath == "" {
		r.mu.Unlock()
		return nil, false, fmt.Errorf("%w: %s", berth.ErrNotDeployed, key)
	}
	if c := r.loading[key]; c != nil {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.dep, c.err == nil, c.err // it waited for the load: cold too
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	c := &loadCall{done: make(chan struct{})}
	r.loading[key] = c
	r.mu.Unlock()

	c.dep, c.err = r.load(ctx, d)

	r.mu.Lock()
	delete(r.loading, key)
	if _, gone := r.removed[key]; gone && c.err == nil {
		r.releaseLocked(c.dep.mod) // removed while it was being prepared
		c.dep, c.err = nil, fmt.Errorf("%w: %s was removed", berth.ErrNotDeployed, key)
	}
	if c.err == nil {
		r.deployed[key] = c.dep
	}
	close(c.done)
	r.mu.Unlock()
	return c.dep, c.err == nil, c.err
}

// load reads d's artefact and compiles (or shares) its module.
func (r *Runtime) load(ctx context.Context, d berth.DeploymentRef) (*deployment, error) {
	if d.ArtefactPath == "" {
		return nil, fmt.Errorf("%w: the deployment has no artefact", berth.ErrBadArtefact)
	}
	f, err := artefact.Open(d.ArtefactPath, d.ContentType, r.cfg.Artefact)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: artefact of %s is gone: %w", berth.ErrNotDeployed, deployKey(d), err)
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	m, err := f.Module()
	if err != nil {
		return nil, err
	}
	argv0 := m.Name
	if argv0 == "" {
		argv0 = d.FunctionID
	}
	mod, err := r.acquire(ctx, d, m.Bytes)
	if err != nil {
		return nil, err
	}
	return &deployment{mod: mod, argv0: baseName(argv0)}, nil
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// acquire returns the compiled module for these bytes with one more
// reference, compiling it unless another deployment already did.
func (r *Runtime) acquire(ctx context.Context, d berth.DeploymentRef, code []byte) (*module, error) {
	sha := sha256Hex(code)
	r.mu.Lock()
	m := r.modules[sha]
	if m != nil {
		m.refs++
		r.mu.Unlock()
		select {
		case <-m.ready:
		case <-ctx.Done():
			r.release(m)
			return nil, ctx.Err()
		}
		if m.err != nil {
			r.release(m)
			return nil, m.err
		}
		return m, nil
	}
	m = &module{sha: sha, refs: 1, ready: make(chan struct{})}
	r.modules[sha] = m
	r.mu.Unlock()

	start := time.Now()
	m.compiled, m.minPages, m.err = r.compile(ctx, code)
	if m.err != nil {
		r.mu.Lock()
		delete(r.modules, sha)
		r.mu.Unlock()
		close(m.ready)
		return nil, m.err
	}
	close(m.ready)
	r.log.Info("wasm module compiled", "event", "wasm.compile", "function_id", d.FunctionID, "version", d.Version,
		"module_sha256", sha, "bytes", len(code), "duration", time.Since(start))
	return m, nil
}

func (r *Runtime) release(m *module) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.releaseLocked(m)
}

// releaseLocked drops one reference. Closing happens under r.mu so that a
// new compilation of the same bytes cannot interleave: wazero keys compiled
// code by content, and closing one CompiledModule drops it for all.
func (r *Runtime) releaseLocked(m *module) {
	m.refs--
	if m.refs > 0 || m.err != nil {
		return
	}
	if r.modules[m.sha] == m {
		delete(r.modules, m.sha)
	}
	if m.compiled != nil {
		_ = m.compiled.Close(context.Background())
	}
}
