package manager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
)

// deployOutput is the answer to a deploy.
type deployOutput struct {
	Deployment Deployment `json:"deployment"`
	Function   Function   `json:"function"`
}

// acceptedArtefactTypes are the Content-Types a deploy may declare.
var acceptedArtefactTypes = map[string]bool{
	artefact.MediaTypeWasm: true, artefact.MediaTypeGzip: true, artefact.MediaTypeZip: true,
	"application/x-gzip": true, "application/x-tar+gzip": true, "application/x-zip-compressed": true,
}

// deploy receives an artefact: streamed to disk under a size cap and
// hashed, checked against the signature when the request is signed,
// recorded as the next version while the runtime prepares it, then
// activated — or recorded as failed, leaving the active version alone.
func (m *Manager) deploy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	if p == nil || p.User == nil {
		m.refuse(w, r, unauthorized("authentication required: deploy with your access token or keypair"))
		return
	}
	f, err := m.liveFunction(ctx, r.PathValue("id"))
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !acceptedArtefactTypes[mt] {
		m.writeErr(w, r, problem(http.StatusUnsupportedMediaType, codeUnsupportedType,
			"send the artefact with Content-Type application/wasm (a module), application/gzip (a .tar.gz) or application/zip"))
		return
	}
	limit, what, err := m.artefactLimit(ctx, f.OwnerID)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	if r.ContentLength > limit {
		m.writeErr(w, r, tooLargeUnder("artefact", limit, what))
		return
	}
	tmp, sum, size, err := m.receive(w, r, limit, what)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	defer os.Remove(tmp) // gone after a successful rename
	up, err := m.verifyUpload(ctx, p, tmp, sum, size)
	if err != nil {
		m.refuse(w, r, err)
		return
	}
	out, err := m.deployArtefact(ctx, p.User, f, up, mt)
	if err != nil {
		m.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// incomingDir holds uploads while they are received.
func (m *Manager) incomingDir() string { return filepath.Join(m.dataDir, "artefacts", ".incoming") }

// removeInterruptedUploads deletes the temporary files of uploads that a
// crash or a kill -9 cut short: nothing else removes them. It runs once,
// at start, when no upload of this process can be in flight; the data
// directory belongs to one process.
func (m *Manager) removeInterruptedUploads() {
	if m.dataDir == "" {
		return
	}
	entries, err := os.ReadDir(m.incomingDir())
	if err != nil {
		return // none yet
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(m.incomingDir(), e.Name())); err != nil {
			m.log.Warn("interrupted upload not removed", "event", "cleanup", "file", e.Name(), "error", err)
			continue
		}
		m.log.Info("removed an upload interrupted by a stop", "event", "cleanup", "file", e.Name())
	}
}

// receive streams the body into a temporary file in the artefact
// directory, hashing it, and refuses more than the cap.
func (m *Manager) receive(w http.ResponseWriter, r *http.Request, limit int64, what string) (path string, sum []byte, size int64, err error) {
	dir := m.incomingDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, 0, err
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return "", nil, 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		_ = os.Remove(f.Name())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, 0, tooLargeUnder("artefact", limit, what)
		}
		return "", nil, 0, problem(http.StatusBadRequest, codeBadArtefact, "the upload was interrupted; send it again")
	}
	if n == 0 {
		_ = os.Remove(f.Name())
		return "", nil, 0, problem(http.StatusUnprocessableEntity, codeBadArtefact, "the upload is empty: send a module or an archive as the body")
	}
	return f.Name(), h.Sum(nil), n, nil
}

// tooLargeUnder refuses an upload over the limit that applies (the
// server's or a tier's), naming it, in bytes when under a MiB.
func tooLargeUnder(what string, limit int64, name string) error {
	size := fmt.Sprintf("%d MiB", limit>>20)
	if limit < 1<<20 {
		size = fmt.Sprintf("%d bytes", limit)
	}
	return problem(http.StatusRequestEntityTooLarge, codeBodyTooLarge, fmt.Sprintf("the %s is larger than %s of %s", what, name, size))
}

// deployArtefact records, prepares and activates an artefact already on disk.
// verifiedUpload is a received body whose signature, if it has one, holds
// for it: the hash matched and the nonce is spent. Only verifyUpload makes
// one, and deployArtefact takes nothing else, so no path can act on an
// upload whose body was not checked.
type verifiedUpload struct {
	path string // the temporary file
	sha  string // hex SHA-256
	size int64
}

// verifyUpload checks a streamed body against the request's signature
// (when it was signed; a bearer token has no body hash): the hash first,
// then the nonce, so that an altered body has no effect and spends no
// nonce.
func (m *Manager) verifyUpload(ctx context.Context, p *Principal, path string, sum []byte, size int64) (verifiedUpload, error) {
	if p.signed != nil {
		if !p.signed.BodyMatches(sum) {
			return verifiedUpload{}, errBodyMismatch()
		}
		if err := m.verifier.ClaimNonce(ctx, p.signed); err != nil {
			return verifiedUpload{}, err
		}
	}
	return verifiedUpload{path: path, sha: hex.EncodeToString(sum), size: size}, nil
}

func (m *Manager) deployArtefact(ctx context.Context, u *berth.User, f *berth.Function, up verifiedUpload, mt string) (*deployOutput, error) {
	tmp, sha, size := up.path, up.sha, up.size
	// f.ID is a UUID from the database and sha a hex digest: neither can
	// step outside the artefact directory.
	rel := filepath.Join("artefacts", f.ID, sha)
	if err := os.MkdirAll(filepath.Join(m.dataDir, "artefacts", f.ID), 0o700); err != nil { //nolint:gosec // G703: see above
		return nil, m.fail(ctx, err)
	}
	// Content-addressed: a re-upload of the same bytes replaces an
	// identical file, so the rename is safe either way.
	if err := os.Rename(tmp, filepath.Join(m.dataDir, rel)); err != nil { //nolint:gosec // G703: see above
		return nil, m.fail(ctx, err)
	}
	d := &berth.Deployment{FunctionID: f.ID, Status: berth.DeploymentBuilding, SHA256: sha, Size: size, ContentType: mt,
		Artefact: rel, CreatedBy: u.ID}
	if err := m.store.CreateDeployment(ctx, d, false); err != nil {
		if errors.Is(err, berth.ErrNotFound) {
			return nil, pendingDeletion(f)
		}
		return nil, m.fail(ctx, err)
	}
	manifest, perr := m.readManifest(filepath.Join(m.dataDir, rel), mt)
	if perr == nil {
		// berth.toml's settings are checked before anything is activated.
		_, perr = m.manifestSettings(ctx, f, manifest)
	}
	if perr == nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.fn.PrepareTimeout)
		perr = m.prepare(pctx, f, d)
		cancel()
	}
	if perr != nil {
		return nil, m.failDeployment(ctx, u, f, d, perr)
	}
	// A client that went away must not leave the deployment building.
	ctx = context.WithoutCancel(ctx)
	if err := m.store.FinishDeployment(ctx, f.ID, d.Version, berth.DeploymentReady, "", true); err != nil {
		if errors.Is(err, berth.ErrConflict) {
			return nil, pendingDeletion(f)
		}
		return nil, m.fail(ctx, err)
	}
	if err := m.storeManifestSettings(ctx, f.ID, manifest); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actFunctionDeploy, f.ID, berth.AuditSuccess, "version "+strconv.Itoa(d.Version))
	f, err := m.store.Function(ctx, f.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	if f.ActiveVersion == d.Version { // a newer deploy may have finished first
		m.activated(ctx, f, d)
	}
	d.Status = berth.DeploymentReady
	return &deployOutput{Deployment: deploymentOut(d, f.ActiveVersion), Function: functionOut(f)}, nil
}

// failDeployment records why a deployment failed and answers: 422 with the
// runtime's message when the artefact is at fault, 500 otherwise.
func (m *Manager) failDeployment(ctx context.Context, u *berth.User, f *berth.Function, d *berth.Deployment, cause error) error {
	ctx = context.WithoutCancel(ctx)
	userFault := errors.Is(cause, berth.ErrBadArtefact)
	text := cause.Error()
	if !userFault {
		text = "internal error while preparing the deployment (request " + requestID(ctx) + ")"
		m.log.ErrorContext(ctx, "deployment failed", "event", "deploy_failed", "function_id", f.ID, "version", d.Version, "error", cause)
	}
	if err := m.store.FinishDeployment(ctx, f.ID, d.Version, berth.DeploymentFailed, text, false); err != nil {
		return m.fail(ctx, err)
	}
	_ = m.runtimes[f.Runtime].Remove(ctx, m.ref(f, d))
	m.auditUser(ctx, u, actFunctionDeploy, f.ID, berth.AuditFailure, "version "+strconv.Itoa(d.Version))
	if !userFault {
		return m.fail(ctx, cause)
	}
	return problem(http.StatusUnprocessableEntity, codeBadArtefact,
		fmt.Sprintf("version %d was not deployed: %s; the active version is unchanged", d.Version, text))
}

// readManifest returns the artefact's berth.toml, or nil.
func (m *Manager) readManifest(path, mt string) (*artefact.Manifest, error) {
	a, err := artefact.Open(path, mt, artefact.Options{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Close() }()
	return a.Manifest()
}

// storeManifestSettings applies berth.toml's settings to the function as
// it is now — read again, since the upload and the build may have taken
// minutes in which someone changed other settings — and stores them.
func (m *Manager) storeManifestSettings(ctx context.Context, id string, mf *artefact.Manifest) error {
	f, err := m.store.Function(ctx, id)
	if err != nil {
		return err
	}
	next, err := m.manifestSettings(ctx, f, mf)
	if err != nil || next == nil {
		return err
	}
	return m.store.UpdateFunctionSettings(ctx, f.ID, next.Settings, next.Description)
}

// manifestSettings returns f with berth.toml's [function] settings applied,
// checked exactly as PATCH /api/functions/{id} checks them, or nil when the
// manifest sets none. f itself is not changed: a deploy whose manifest is
// refused changes nothing.
func (m *Manager) manifestSettings(ctx context.Context, f *berth.Function, mf *artefact.Manifest) (*berth.Function, error) {
	if mf == nil {
		return nil, nil
	}
	s := mf.Function
	if s.MemoryMB == 0 && s.TimeoutMS == 0 && s.MaxConcurrency == 0 && len(s.Env) == 0 {
		return nil, nil
	}
	in := &patchFunctionInput{}
	b := &in.Body
	if s.MemoryMB != 0 {
		b.MemoryMB = &s.MemoryMB
	}
	if s.TimeoutMS != 0 {
		b.TimeoutMS = &s.TimeoutMS
	}
	if s.MaxConcurrency != 0 {
		b.MaxConcurrency = &s.MaxConcurrency
	}
	if len(s.Env) > 0 {
		env := map[string]string{}
		for k, v := range f.Settings.Env {
			env[k] = v
		}
		for k, v := range s.Env {
			env[k] = v
		}
		b.Env = &env
	}
	next := *f
	err := m.checkTierSettings(ctx, f, in)
	if err == nil {
		err = m.applySettings(&next, in)
	}
	if err != nil {
		var ie *berth.InvalidError
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("%w: %s: [function] %s: %s", berth.ErrBadArtefact, artefact.ManifestName, ie.Field, ie.Reason)
		}
		return nil, err
	}
	return &next, nil
}

// ref is the runtime's view of a deployment.
func (m *Manager) ref(f *berth.Function, d *berth.Deployment) berth.DeploymentRef {
	return berth.DeploymentRef{FunctionID: f.ID, Version: d.Version, ArtefactPath: filepath.Join(m.dataDir, d.Artefact),
		ContentType: d.ContentType, SHA256: d.SHA256}
}

// prepare has the function's runtime prepare a deployment.
func (m *Manager) prepare(ctx context.Context, f *berth.Function, d *berth.Deployment) error {
	rt, ok := m.runtimes[f.Runtime]
	if !ok {
		return problem(http.StatusServiceUnavailable, codeRuntimeOff, "the "+f.Runtime+" runtime is not enabled on this server")
	}
	start := time.Now()
	err := rt.Prepare(ctx, m.ref(f, d))
	m.log.InfoContext(ctx, "deployment prepared", "event", "prepare", "function_id", f.ID, "version", d.Version,
		"duration_ms", time.Since(start).Milliseconds(), "ok", err == nil)
	return err
}

// writeErr answers a plain handler's error as a problem.
func (m *Manager) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	p, header := m.problemOf(r.Context(), err)
	writeProblem(w, r, p, header)
}

// problemOf maps err through fail and returns the problem with the
// headers it carries (Retry-After).
func (m *Manager) problemOf(ctx context.Context, err error) (*huma.ErrorModel, http.Header) {
	err = m.fail(ctx, err)
	var em *huma.ErrorModel
	if !errors.As(err, &em) {
		em = problem(http.StatusInternalServerError, codeInternal, "internal error")
	}
	var header http.Header
	var he huma.HeadersError
	if errors.As(err, &he) {
		header = he.GetHeaders()
	}
	return em, header
}

// writeJSON answers a plain handler with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func errBodyMismatch() error {
	return problem(http.StatusUnauthorized, "body-hash-mismatch", "the body does not match X-Berth-Content-SHA256; nothing was changed")
}

// markRoute names a plain handler's route for metrics and logs.
func markRoute(ctx context.Context, endpoint, operation string) {
	if info := infoFrom(ctx); info != nil {
		info.endpoint, info.operation = endpoint, operation
	}
}
