package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/runtime/container"
)

// openContainers starts the container runtime, reconciles the engine with
// the database (removing what no deployment claims, adopting the rest) and
// registers the runtime and its readiness check.
func (s *Server) openContainers(ctx context.Context, cfg *config.Config, runtimes map[string]berth.Runtime, ready map[string]func(context.Context) error) error {
	c := cfg.Container
	ct, err := container.New(ctx, container.Config{
		Engine: c.Engine, StartPodman: c.Engine == "",
		Podman:   container.PodmanConfig{Path: c.PodmanPath, Runtime: c.Runtime, CgroupManager: c.CgroupManager},
		StateDir: filepath.Join(cfg.DataDir, "ct"), WatchdogPath: c.WatchdogPath,
		BuildTimeout: c.BuildTimeout, AllowBuildRun: c.AllowBuildRun, AllowPull: c.AllowPull,
		StartTimeout: c.StartTimeout, IdleTimeout: c.IdleTimeout, MaxInstances: c.MaxInstances,
		InstanceConcurrency: c.InstanceConcurrency, PidsLimit: c.PidsLimit, TmpfsMB: c.TmpfsMB, CPUs: c.CPUs,
		MaxMemoryMB: cfg.Functions.MaxMemoryMB, MaxRequestBytes: cfg.Functions.MaxInvokeBodyBytes, Logger: s.log,
	})
	if err != nil {
		return fmt.Errorf("container runtime: %w (set container.enabled = false to run without it)", err)
	}
	s.containers = ct
	res, err := ct.Reconcile(ctx, func(ctx context.Context, fn string, v int) (bool, error) {
		_, err := s.store.Deployment(ctx, fn, v) // any status: failed builds keep their log
		if errors.Is(err, berth.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("container runtime: reconcile: %w", err)
	}
	s.log.Info("container runtime ready", "event", "containers_ready", "reconcile", fmt.Sprintf("%+v", res))
	runtimes[berth.RuntimeContainer] = ct
	ready["engine"] = ct.Ping
	// A deploy's prepare step includes the image build.
	if need := c.BuildTimeout + time.Minute; cfg.Functions.PrepareTimeout < need {
		cfg.Functions.PrepareTimeout = need
	}
	return nil
}
