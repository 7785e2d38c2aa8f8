package container

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/berth-platform/berth"
)

// instanceState is where an instance is in its life.
type instanceState int

const (
	stateStarting instanceState = iota // its container is being created and started
	stateReady                         // serving
	stateDraining                      // serving the calls it has, taking no new ones
	stateStopping                      // being removed; no longer in fnState.instances
)

func (s instanceState) String() string {
	return [...]string{"starting", "ready", "draining", "stopping"}[s]
}

// instance is one container of a function's deployment.
type instance struct {
	id          string // also in the container's name and labels
	fn          string
	version     int
	mode        string
	spec        string // memory and environment it was started with
	dir         string // its socket directory on the host
	tr          *http.Transport
	client      *http.Client
	ready       chan struct{} // closed once its start has ended
	gone        chan struct{} // closed once its container is removed
	containerID string        // set once created, under Runtime.mu

	// Guarded by Runtime.mu.
	state    instanceState
	inflight int
	lastUsed time.Time
	started  time.Time
	startErr error
}

// fnState is one function's instances.
type fnState struct {
	instances map[string]*instance
	current   int           // the version calls go to; instances of others drain
	changed   chan struct{} // closed and replaced when capacity may have freed
}

func (r *Runtime) fnLocked(id string) *fnState {
	f := r.fns[id]
	if f == nil {
		f = &fnState{instances: map[string]*instance{}, changed: make(chan struct{})}
		r.fns[id] = f
	}
	return f
}

// notifyLocked wakes the calls waiting for an instance of f.
func (f *fnState) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// live counts the instances that hold resources.
func (f *fnState) live() int {
	return len(f.instances)
}

// want describes the instance a call needs.
type want struct {
	dep  *deployment
	spec string
	lim  berth.Limits
	env  map[string]string // http mode: given to the server at start
}

// acquire returns an instance with a slot taken for one call, starting one
// when none has room and the function is below Config.MaxInstances, and
// otherwise waiting for a slot (at most until the call's own timeout).
// cold reports that the call waited for a start.
func (r *Runtime) acquire(ctx context.Context, w want) (in *instance, cold bool, err error) {
	rec := w.dep.rec
	var timer *time.Timer
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, false, errClosed
		}
		f := r.fnLocked(rec.FunctionID)
		if f.current != rec.Version {
			r.activateLocked(f, rec.Version)
		}
		for _, other := range f.instances {
			if other.version == rec.Version && other.spec != w.spec {
				r.drainLocked(f, other, "settings changed")
			}
		}
		in = r.pickLocked(f, rec.Version, w.spec)
		if in == nil && f.live() < r.cfg.MaxInstances {
			in = r.newInstanceLocked(f, w)
			in.inflight++
			r.mu.Unlock()
			err := r.startInstance(ctx, in, w)
			r.finishStart(in, err)
			if err != nil {
				r.release(in, true)
			}
			return in, true, err
		}
		if in != nil {
			in.inflight++
			starting := in.state == stateStarting
			r.mu.Unlock()
			if !starting {
				return in, false, nil
			}
			return in, true, r.joinStart(ctx, in)
		}
		changed := f.changed
		r.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(w.lim.Timeout)
			defer timer.Stop()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-timer.C:
			return nil, false, fmt.Errorf("%w: all %d instances of the function stayed busy for %s: raise the instance limit or lower the load",
				berth.ErrTimeout, r.cfg.MaxInstances, w.lim.Timeout)
		}
	}
}

// joinStart waits for the start of an instance another call began; on
// failure the slot is given back.
func (r *Runtime) joinStart(ctx context.Context, in *instance) error {
	select {
	case <-in.ready:
	case <-ctx.Done():
		r.release(in, false)
		return ctx.Err()
	}
	r.mu.Lock()
	err := in.startErr
	r.mu.Unlock()
	if err != nil {
		r.release(in, false)
	}
	return err
}

// pickLocked chooses an instance with a free slot: the busiest ready one,
// so that the others go idle and are stopped; else a starting one.
func (r *Runtime) pickLocked(f *fnState, version int, spec string) *instance {
	var best *instance
	for _, in := range f.instances {
		if in.version != version || in.spec != spec || in.inflight >= r.cfg.InstanceConcurrency {
			continue
		}
		if in.state != stateReady && in.state != stateStarting {
			continue
		}
		switch {
		case best == nil:
			best = in
		case (in.state == stateReady) != (best.state == stateReady):
			if in.state == stateReady {
				best = in
			}
		case in.inflight > best.inflight, in.inflight == best.inflight && in.lastUsed.After(best.lastUsed):
			best = in
		}
	}
	return best
}

func (r *Runtime) newInstanceLocked(f *fnState, w want) *instance {
	id := newInstanceID()
	tr, client := instanceClient(r.st.instanceDir(id), r.cfg.InstanceConcurrency)
	in := &instance{
		id: id, fn: w.dep.rec.FunctionID, version: w.dep.rec.Version, mode: w.dep.rec.Mode, spec: w.spec,
		dir: r.st.instanceDir(id), tr: tr, client: client,
		ready: make(chan struct{}), gone: make(chan struct{}),
		state: stateStarting, started: now(), lastUsed: now(),
	}
	f.instances[id] = in
	return in
}

// finishStart publishes the end of a start.
func (r *Runtime) finishStart(in *instance, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in.startErr = err
	if err == nil && in.state == stateStarting {
		in.state = stateReady
	}
	close(in.ready)
	if f := r.fns[in.fn]; f != nil {
		f.notifyLocked()
	}
}

// release gives a call's slot back. retire stops the instance once its
// last call has ended: it failed in a way that leaves it unusable.
func (r *Runtime) release(in *instance, retire bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in.inflight--
	in.lastUsed = now()
	f := r.fns[in.fn]
	if f == nil {
		return
	}
	if retire && in.state != stateStopping {
		in.state = stateDraining
	}
	if in.state == stateDraining && in.inflight == 0 {
		r.stopLocked(f, in, "drained")
	}
	f.notifyLocked()
}

// activateLocked makes version the one new calls go to; instances of
// other versions are drained.
func (r *Runtime) activateLocked(f *fnState, version int) {
	f.current = version
	for _, in := range f.instances {
		if in.version != version {
			r.drainLocked(f, in, "replaced version")
		}
	}
}

// Activate makes d the version of its function that new calls go to and
// drains the instances of every other version: each stops once its calls
// in flight have finished. The manager calls it after a deploy or a
// rollback; without it the first call of the new version does the same.
func (r *Runtime) Activate(_ context.Context, d berth.DeploymentRef) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	r.activateLocked(r.fnLocked(d.FunctionID), d.Version)
	return nil
}

// drainLocked takes an instance out of service: it stops at once when
// idle, else after its last call.
func (r *Runtime) drainLocked(f *fnState, in *instance, why string) {
	if in.state == stateStopping || in.state == stateDraining {
		return
	}
	in.state = stateDraining
	r.log.Info("container instance draining", "event", "container.drain", "function_id", in.fn, "version", in.version,
		"instance", in.id, "reason", why, "inflight", in.inflight)
	if in.inflight == 0 {
		r.stopLocked(f, in, why)
	}
}

// stopLocked removes an instance's container in the background.
func (r *Runtime) stopLocked(f *fnState, in *instance, why string) {
	if in.state == stateStopping {
		return
	}
	in.state = stateStopping
	delete(f.instances, in.id)
	f.notifyLocked()
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		<-in.ready // a start in progress ends first (it is bounded by the start timeout)
		r.mu.Lock()
		id := in.containerID
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if id != "" {
			if err := r.eng.RemoveContainer(ctx, id); err != nil {
				r.log.Warn("container instance not removed", "event", "container.stop", "function_id", in.fn,
					"instance", in.id, "error", err)
			}
		}
		in.tr.CloseIdleConnections()
		removeDir(in.dir)
		r.log.Info("container instance stopped", "event", "container.stop", "function_id", in.fn, "version", in.version,
			"instance", in.id, "reason", why, "lifetime_ms", time.Since(in.started).Milliseconds())
		close(in.gone)
	}()
}

// reaper stops instances idle for longer than Config.IdleTimeout.
func (r *Runtime) reaper() {
	defer r.bg.Done()
	every := min(max(r.cfg.IdleTimeout/4, 50*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		r.reapIdle(now())
	}
}

func (r *Runtime) reapIdle(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, f := range r.fns {
		for _, in := range f.instances {
			if in.state == stateReady && in.inflight == 0 && at.Sub(in.lastUsed) >= r.cfg.IdleTimeout {
				r.stopLocked(f, in, "idle")
			}
		}
		if len(f.instances) == 0 {
			delete(r.fns, id)
		}
	}
}

// InstanceInfo describes a live instance.
type InstanceInfo struct {
	ID          string    `json:"id"`
	ContainerID string    `json:"container_id"`
	FunctionID  string    `json:"function_id"`
	Version     int       `json:"version"`
	Mode        string    `json:"mode"`
	State       string    `json:"state"`
	InFlight    int       `json:"in_flight"`
	Started     time.Time `json:"started"`
	LastUsed    time.Time `json:"last_used"`
}

// Instances lists the live instances (for metrics and the API), sorted by
// function, version and start time.
func (r *Runtime) Instances() []InstanceInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []InstanceInfo
	for _, f := range r.fns {
		for _, in := range f.instances {
			out = append(out, InstanceInfo{ID: in.id, ContainerID: in.containerID, FunctionID: in.fn, Version: in.version,
				Mode: in.mode, State: in.state.String(), InFlight: in.inflight, Started: in.started, LastUsed: in.lastUsed})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.FunctionID != b.FunctionID {
			return a.FunctionID < b.FunctionID
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Started.Before(b.Started)
	})
	return out
}
