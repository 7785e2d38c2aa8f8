package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/berth-platform/berth/internal/runtime/container/engine"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// ReconcileResult says what Reconcile did.
type ReconcileResult struct {
	Adopted           int // running instances of known deployments, now in service
	RemovedContainers int // containers of unknown deployments, or not usable
	RemovedImages     int // images of unknown deployments
	PrunedImages      int // dangling images builds left (cache layers, stages)
	RemovedFiles      int // records, build logs and socket directories left over
}

// KnownFunc reports whether the database knows a deployment (of any
// status: the build logs of failed ones are still served). An error stops
// Reconcile before it removes anything.
type KnownFunc func(ctx context.Context, functionID string, version int) (bool, error)

// Reconcile brings the engine in line with what the database knows, at
// start-up (after New, before serving) or any time later: every container
// of this scope whose deployment known reports unknown is removed, and so
// is every one that is not running or whose watchdog does not answer; the
// rest are adopted as warm instances (in http mode, with the environment
// they were started with: a call with another one replaces them).
// Images, deployment records and build logs of unknown deployments are
// removed too, and dangling build images pruned. After a kill -9 of berth
// nothing is left orphaned once this has run. known is asked once per
// deployment, before anything is removed.
func (r *Runtime) Reconcile(ctx context.Context, known KnownFunc) (ReconcileResult, error) {
	var res ReconcileResult
	scope := []string{labelManaged + "=true", labelScope + "=" + r.cfg.Scope}
	list, err := r.eng.ListContainers(ctx, scope)
	if err != nil {
		return res, fmt.Errorf("container: reconcile: %w", err)
	}
	images, err := r.eng.ListImages(ctx, scope)
	if err != nil {
		return res, fmt.Errorf("container: reconcile: %w", err)
	}
	files, err := r.st.keptFiles()
	if err != nil {
		return res, fmt.Errorf("container: reconcile: %w", err)
	}
	var labels []map[string]string
	for _, c := range list {
		labels = append(labels, c.Labels)
	}
	for _, img := range images {
		labels = append(labels, img.Labels)
	}
	isKnown, err := askKnown(ctx, known, labels, files)
	if err != nil {
		return res, err
	}
	live := map[string]bool{}
	var errs []error
	for _, c := range list {
		live[c.Labels[labelInstance]] = true
		did, err := r.reconcileContainer(ctx, c, isKnown)
		switch {
		case err != nil:
			errs = append(errs, err)
		case did == adopted:
			res.Adopted++
		case did == removed:
			res.RemovedContainers++
		}
	}
	for _, img := range images {
		if isKnown(img.Labels[labelFunction], labelInt(img.Labels[labelVersion])) {
			continue
		}
		if err := r.removeImage(ctx, img); err != nil {
			errs = append(errs, err)
			continue
		}
		res.RemovedImages++
	}
	res.PrunedImages = r.pruneImages(ctx)
	res.RemovedFiles = r.pruneFiles(files, isKnown, live)
	r.log.Info("container runtime reconciled", "event", "container.reconcile", "adopted", res.Adopted,
		"removed_containers", res.RemovedContainers, "removed_images", res.RemovedImages, "pruned_images", res.PrunedImages, "removed_files", res.RemovedFiles)
	return res, errors.Join(errs...)
}

// askKnown asks known about every deployment named by labels or kept
// files, once each, and returns the answers.
func askKnown(ctx context.Context, known KnownFunc, labels []map[string]string, files []kept) (func(string, int) bool, error) {
	answers := map[string]bool{}
	ask := func(fn string, version int) error {
		key := deployKey(fn, version)
		if _, done := answers[key]; done || fn == "" || version <= 0 {
			return nil
		}
		ok, err := known(ctx, fn, version)
		if err != nil {
			return fmt.Errorf("container: reconcile: is %s known? %w (nothing was removed)", key, err)
		}
		answers[key] = ok
		return nil
	}
	for _, l := range labels {
		if err := ask(l[labelFunction], labelInt(l[labelVersion])); err != nil {
			return nil, err
		}
	}
	for _, k := range files {
		if err := ask(k.FunctionID, k.Version); err != nil {
			return nil, err
		}
	}
	return func(fn string, version int) bool { return answers[deployKey(fn, version)] }, nil
}

// What reconcileContainer did.
type reconciled int

const (
	own reconciled = iota // this run's own
	adopted
	removed
)

// reconcileContainer adopts or removes one container of an earlier run.
func (r *Runtime) reconcileContainer(ctx context.Context, c engine.ContainerSummary, isKnown func(string, int) bool) (reconciled, error) {
	fn, version, inst := c.Labels[labelFunction], labelInt(c.Labels[labelVersion]), c.Labels[labelInstance]
	if r.owns(inst) {
		return own, nil
	}
	if isKnown(fn, version) && c.State == "running" && r.adopt(ctx, c) {
		return adopted, nil
	}
	if err := r.eng.RemoveContainer(ctx, c.ID); err != nil {
		return own, err
	}
	if inst != "" {
		removeDir(r.st.instanceDir(inst))
	}
	r.log.Info("container removed by reconcile", "event", "container.reconcile", "function_id", fn, "version", version,
		"instance", inst, "state", c.State)
	return removed, nil
}

// removeImage removes an image of an unknown deployment: its tags, or
// itself when it has none.
func (r *Runtime) removeImage(ctx context.Context, img engine.ImageSummary) error {
	if len(img.RepoTags) == 0 {
		return r.eng.RemoveImage(ctx, img.ID)
	}
	for _, tag := range img.RepoTags {
		if err := r.eng.RemoveImage(ctx, tag); err != nil && !engine.IsConflict(err) {
			return err
		}
	}
	return nil
}

func labelInt(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// owns reports whether an instance id is one of this run's.
func (r *Runtime) owns(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.fns {
		if _, ok := f.instances[id]; ok {
			return true
		}
	}
	return false
}

// adopt takes a running container of an earlier run into service when its
// deployment's record is kept and its watchdog says it is ready.
func (r *Runtime) adopt(ctx context.Context, c engine.ContainerSummary) bool {
	fn, version, id := c.Labels[labelFunction], labelInt(c.Labels[labelVersion]), c.Labels[labelInstance]
	if id == "" {
		return false
	}
	rec, err := r.st.loadRecord(fn, version)
	if err != nil || rec == nil || rec.Mode != c.Labels[labelMode] {
		return false
	}
	tr, client := instanceClient(r.st.instanceDir(id), r.cfg.InstanceConcurrency)
	st, err := readyz(ctx, client)
	if err != nil || !st.Ready {
		tr.CloseIdleConnections()
		return false
	}
	in := &instance{
		id: id, fn: fn, version: version, mode: rec.Mode, spec: st.Spec, dir: r.st.instanceDir(id),
		tr: tr, client: client, ready: make(chan struct{}), gone: make(chan struct{}),
		containerID: c.ID, state: stateReady, started: now(), lastUsed: now(),
	}
	close(in.ready)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	key := deployKey(fn, version)
	if r.deployed[key] == nil {
		r.deployed[key] = &deployment{rec: rec}
	}
	f := r.fnLocked(fn)
	f.instances[id] = in
	r.log.Info("container instance adopted", "event", "container.reconcile", "function_id", fn, "version", version, "instance", id)
	return true
}

func readyz(ctx context.Context, client *http.Client) (*watchdog.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://instance"+watchdog.PathReady, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st watchdog.Status
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

// pruneFiles removes the records and build logs of unknown deployments and
// the socket directories of instances that no longer exist.
func (r *Runtime) pruneFiles(files []kept, isKnown func(string, int) bool, live map[string]bool) int {
	n := 0
	for _, k := range files {
		if !isKnown(k.FunctionID, k.Version) && os.Remove(k.path) == nil {
			n++
		}
	}
	ents, err := os.ReadDir(r.st.path(dirInstances))
	if err != nil {
		return n
	}
	for _, e := range ents {
		if !live[e.Name()] && !r.owns(e.Name()) {
			removeDir(r.st.instanceDir(e.Name()))
			n++
		}
	}
	return n
}
