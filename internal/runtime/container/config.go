package container

import (
	"debug/elf"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
)

// Defaults for the zero fields of Config and of berth.Limits.
const (
	DefaultBuildTimeout        = 10 * time.Minute
	DefaultStartTimeout        = 10 * time.Second
	DefaultIdleTimeout         = 5 * time.Minute
	DefaultMaxInstances        = 4
	DefaultInstanceConcurrency = 8
	DefaultPidsLimit           = 128
	DefaultTmpfsMB             = 64
	DefaultCPUs                = 1.0
	DefaultUlimit              = 1024
	DefaultMemoryMB            = berth.DefaultMemoryMB
	DefaultTimeout             = berth.DefaultTimeout
	DefaultMaxOutputBytes      = berth.DefaultMaxOutputBytes
	DefaultMaxLogBytes         = berth.DefaultMaxLogBytes
	DefaultMaxMemoryMB         = 4096
	DefaultMaxRequestBytes     = 32 << 20
	DefaultMaxBuildLogBytes    = 1 << 20
	DefaultPort                = 8080
	// DefaultScope is the scope of state directories made before each
	// kept its own (see state.scope).
	DefaultScope = "default"

	// MinMemoryMB is the smallest memory limit an instance gets: the
	// watchdog and the OCI runtime's set-up need a few MiB of their own.
	MinMemoryMB = 16
)

// Config configures a Runtime.
type Config struct {
	// Engine is the Docker-compatible API to use: "unix:///run/podman/podman.sock"
	// (Podman's `podman system service`) or "unix:///var/run/docker.sock".
	// Leave it empty with StartPodman set to have the runtime run its own
	// private Podman service.
	Engine string
	// StartPodman starts a private `podman system service` on a socket in
	// StateDir (stopped by Close), configured by Podman. Ignored when Engine
	// is set.
	StartPodman bool
	// Podman configures the private service.
	Podman PodmanConfig

	// StateDir holds the runtime's files: build logs and deployment records
	// (kept across restarts), the per-instance socket directories and the
	// private Podman socket. Required; created with mode 0700. Keep its path
	// under about 60 bytes: Unix socket paths are short.
	StateDir string
	// WatchdogPath is the static berth-watchdog binary mounted into every
	// instance. Default: berth-watchdog next to the running executable, else
	// in PATH.
	WatchdogPath string
	// Scope is written on every container and image the runtime makes, and
	// Reconcile only looks at its own scope: several berth servers (or test
	// runs) can share one engine. Default: the state directory's own scope,
	// made at its first use and kept in <StateDir>/scope (see state.scope).
	Scope string

	// BuildTimeout bounds one image build. Default DefaultBuildTimeout.
	BuildTimeout time.Duration
	// BuildMemoryMB caps the memory of a build's RUN steps; 0 leaves the
	// engine's default.
	BuildMemoryMB int
	// AllowBuildRun accepts RUN (and ONBUILD) in Containerfiles. Off by
	// default: a RUN step is the uploader's code running on the engine's
	// host during the build, with the engine's default isolation for builds
	// (no pids limit, default capabilities; the network is off), and the
	// compat API cannot stop it when the build times out.
	AllowBuildRun bool
	// AllowPull lets builds name base images the engine does not have (the
	// engine pulls them from their registries). Off by default: a base image
	// must be "scratch", an earlier stage or an image already on the engine.
	AllowPull bool
	// StartTimeout bounds an instance's start: container creation and start
	// and, in http mode, the wait until the server listens. Default
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// IdleTimeout stops an instance that served nothing for that long.
	// Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxInstances caps the instances of one function (all versions
	// together). Default DefaultMaxInstances.
	MaxInstances int
	// InstanceConcurrency is how many calls one instance serves at once
	// before another is started. Default DefaultInstanceConcurrency.
	InstanceConcurrency int

	// PidsLimit caps the processes and threads of an instance. Default
	// DefaultPidsLimit.
	PidsLimit int
	// TmpfsMB is the size of the instance's writable /tmp (it counts against
	// the memory limit). Default DefaultTmpfsMB.
	TmpfsMB int
	// CPUs is the CPU share of an instance, in cores. Default DefaultCPUs.
	CPUs float64
	// NofileLimit and NprocLimit are the instance's RLIMIT_NOFILE and
	// RLIMIT_NPROC (soft = hard). Default DefaultUlimit each.
	NofileLimit, NprocLimit int

	// DefaultLimits fills the zero fields of InvokeRequest.Limits; its own
	// zero fields take DefaultMemoryMB, DefaultTimeout,
	// DefaultMaxOutputBytes and DefaultMaxLogBytes.
	DefaultLimits berth.Limits
	// MaxMemoryMB caps any instance's memory (larger requests are lowered to
	// it). Default DefaultMaxMemoryMB.
	MaxMemoryMB int
	// MaxRequestBytes caps a request body. Default DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxBuildLogBytes caps a kept build log (its beginning and its end are
	// kept). Default DefaultMaxBuildLogBytes.
	MaxBuildLogBytes int
	// Artefact bounds the reading of uploaded build contexts (links are
	// accepted only when they resolve inside the archive).
	Artefact artefact.Options
	// Logger receives build, start, stop and reconcile events. Nil discards
	// them.
	Logger *slog.Logger
}

// PodmanConfig configures the private Podman service of Config.StartPodman.
type PodmanConfig struct {
	Path          string   // the podman program; default "podman"
	Runtime       string   // --runtime; default "runc"
	CgroupManager string   // --cgroup-manager; default "cgroupfs"
	Args          []string // more global flags (--root, --runroot, --storage-driver …)
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.StateDir == "" {
		return cfg, errors.New("container: Config.StateDir is required")
	}
	if cfg.Engine == "" && !cfg.StartPodman {
		return cfg, errors.New("container: set Config.Engine (unix:///…/podman.sock) or Config.StartPodman")
	}
	dir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return cfg, fmt.Errorf("container: state directory: %w", err)
	}
	cfg.StateDir = dir
	// <state>/i/<16 hex>/watchdog.sock must fit in a sockaddr_un.
	if n := len(dir) + len("/i/0123456789abcdef/watchdog.sock"); n > 107 {
		return cfg, fmt.Errorf("container: state directory %s is too long for Unix socket paths (%d > 107 bytes): use a shorter path", dir, n)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&cfg.BuildTimeout, DefaultBuildTimeout)
	setDefault(&cfg.StartTimeout, DefaultStartTimeout)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.MaxInstances, DefaultMaxInstances)
	setDefault(&cfg.InstanceConcurrency, DefaultInstanceConcurrency)
	setDefault(&cfg.PidsLimit, DefaultPidsLimit)
	setDefault(&cfg.TmpfsMB, DefaultTmpfsMB)
	setDefault(&cfg.CPUs, DefaultCPUs)
	setDefault(&cfg.NofileLimit, DefaultUlimit)
	setDefault(&cfg.NprocLimit, DefaultUlimit)
	setDefault(&cfg.MaxMemoryMB, DefaultMaxMemoryMB)
	setDefault(&cfg.MaxRequestBytes, DefaultMaxRequestBytes)
	setDefault(&cfg.MaxBuildLogBytes, DefaultMaxBuildLogBytes)
	cfg.MaxMemoryMB = max(cfg.MaxMemoryMB, MinMemoryMB)
	cfg.Artefact.Links = artefact.InternalLinks
	cfg.DefaultLimits = cfg.DefaultLimits.Or(berth.DefaultLimits())
	if cfg.WatchdogPath, err = findWatchdog(cfg.WatchdogPath); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func setDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// findWatchdog locates the watchdog binary and checks that it is a
// statically linked executable: it runs in images that have no libc.
func findWatchdog(path string) (string, error) {
	if path == "" {
		if exe, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(exe), "berth-watchdog"); isFile(p) {
				path = p
			}
		}
	}
	if path == "" {
		p, err := exec.LookPath("berth-watchdog")
		if err != nil {
			return "", errors.New("container: berth-watchdog not found next to the executable nor in PATH: build it with CGO_ENABLED=0 go build ./cmd/berth-watchdog and set the watchdog path")
		}
		path = p
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("container: watchdog: %w", err)
	}
	f, err := elf.Open(abs)
	if err != nil {
		return "", fmt.Errorf("container: watchdog %s is not an executable for this system: %w", abs, err)
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("container: watchdog %s is dynamically linked: build it with CGO_ENABLED=0", abs)
		}
	}
	return abs, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
