package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/runtime/container/engine"
	"github.com/berth-platform/berth/internal/runtime/container/watchdog"
)

// Names of the build file at the root of a build context, in order of
// preference.
var containerfileNames = []string{"Containerfile", "Dockerfile"}

// build checks d's build context, builds its image and keeps the record
// and the build log.
func (r *Runtime) build(ctx context.Context, d berth.DeploymentRef) (*record, error) {
	a, err := artefact.Open(d.ArtefactPath, d.ContentType, r.cfg.Artefact)
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Close() }()
	if a.Kind() == artefact.KindModule {
		return nil, fmt.Errorf("%w: a container function is deployed as a .tar.gz or .zip build context with a Containerfile, not a WebAssembly module", berth.ErrBadArtefact)
	}
	// One pass checks the whole archive, links included, before anything is
	// sent to the engine; a second one streams it.
	entries, manifest, files, err := scanContext(a)
	if err != nil {
		return nil, err
	}
	dockerfile, err := findContainerfile(entries)
	if err != nil {
		return nil, err
	}
	if err := r.checkBuild(ctx, files[dockerfile]); err != nil {
		return nil, err
	}
	var settings artefact.ContainerSettings
	if manifest != nil {
		settings = manifest.Container
	}

	tag := imageTag(d.FunctionID, d.Version)
	log := newBuildLogWriter(r.cfg.MaxBuildLogBytes)
	start := now()
	buildErr := r.runBuild(ctx, a, tag, dockerfile, d, log)
	bl := &buildLog{FunctionID: d.FunctionID, Version: d.Version, OK: buildErr == nil, At: start.UTC(), Log: log.String()}
	if err := r.st.saveBuildLog(bl); err != nil {
		return nil, err
	}
	r.log.Info("container image built", "event", "container.build", "function_id", d.FunctionID, "version", d.Version,
		"ok", buildErr == nil, "duration_ms", time.Since(start).Milliseconds())
	if buildErr != nil {
		return nil, buildErr
	}
	img, err := r.eng.InspectImage(ctx, tag)
	if err != nil {
		return nil, fmt.Errorf("container: the image built for %s cannot be read: %w", tag, err)
	}
	rec := &record{FunctionID: d.FunctionID, Version: d.Version, SHA256: d.SHA256, Image: tag, ImageID: img.ID,
		BuiltAt: start.UTC(), BuildMS: time.Since(start).Milliseconds()}
	if err := resolveRun(rec, settings, img); err != nil {
		_ = r.eng.RemoveImage(ctx, tag)
		return nil, err
	}
	if err := r.st.saveRecord(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// runBuild streams the checked archive to the engine's build.
func (r *Runtime) runBuild(ctx context.Context, a *artefact.File, tag, dockerfile string, d berth.DeploymentRef, log io.Writer) error {
	r.builds.RLock()
	defer r.builds.RUnlock()
	limit := r.cfg.BuildTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = time.Until(dl).Round(time.Millisecond) // the caller's is shorter
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.BuildTimeout)
	defer cancel()
	pr, pw := io.Pipe()
	written := make(chan error, 1)
	go func() {
		err := writeBuildContext(a, pw)
		_ = pw.CloseWithError(err)
		written <- err
	}()
	_, err := r.eng.Build(ctx, pr, engine.BuildOptions{
		Tag: tag, Dockerfile: dockerfile, NetworkMode: "none", MemoryBytes: int64(r.cfg.BuildMemoryMB) << 20,
		Labels: map[string]string{
			labelManaged: "true", labelScope: r.cfg.Scope,
			labelFunction: d.FunctionID, labelVersion: strconv.Itoa(d.Version),
		},
	}, log)
	_ = pr.CloseWithError(errors.New("build ended"))
	werr := <-written
	var be *engine.BuildError
	switch {
	case werr != nil && errors.Is(werr, berth.ErrBadArtefact):
		return werr
	case errors.As(err, &be):
		return fmt.Errorf("%w: the image build failed: %s%s", berth.ErrBadArtefact, be.Message, logTail(log))
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(log, "\n[berth: the build was stopped after %s]\n", limit)
		return fmt.Errorf("%w: the image build did not finish within %s: make it faster (smaller context, fewer steps)%s", berth.ErrBadArtefact, limit, logTail(log))
	case err != nil:
		return fmt.Errorf("container: build %s: %w", tag, err)
	}
	return nil
}

// maxContainerfileBytes caps the Containerfile read for checking.
const maxContainerfileBytes = 1 << 20

// scanContext walks the archive once: it lists the entries, reads
// berth.toml and the candidate Containerfiles.
func scanContext(a *artefact.File) ([]artefact.Entry, *artefact.Manifest, map[string][]byte, error) {
	var entries []artefact.Entry
	var raw []byte
	files := map[string][]byte{}
	err := a.Walk(func(e artefact.Entry, content io.Reader) error {
		entries = append(entries, e)
		switch {
		case e.Name == artefact.ManifestName:
			if e.Type != artefact.TypeFile {
				return fmt.Errorf("%w: %s is a %s: make it a plain file", berth.ErrBadArtefact, artefact.ManifestName, e.Type)
			}
			var err error
			raw, err = io.ReadAll(io.LimitReader(content, artefact.MaxManifestBytes+1))
			return err
		case e.Type == artefact.TypeFile && slices.Contains(containerfileNames, e.Name):
			if e.Size > maxContainerfileBytes {
				return fmt.Errorf("%w: %s is larger than %d bytes", berth.ErrBadArtefact, e.Name, maxContainerfileBytes)
			}
			data, err := io.ReadAll(io.LimitReader(content, maxContainerfileBytes))
			files[e.Name] = data
			return err
		}
		return nil
	})
	if err != nil || raw == nil {
		return entries, nil, files, err
	}
	m, err := artefact.ParseManifest(raw)
	return entries, m, files, err
}

// checkBuild applies the Containerfile policy (see containerfile.go) and
// checks that the base images it names are on the engine.
func (r *Runtime) checkBuild(ctx context.Context, containerfile []byte) error {
	images, err := checkContainerfile(containerfile, containerfilePolicy{allowRun: r.cfg.AllowBuildRun})
	if err != nil || r.cfg.AllowPull {
		return err
	}
	for _, ref := range images {
		_, err := r.eng.InspectImage(ctx, ref)
		if engine.IsNotFound(err) {
			return fmt.Errorf("%w: Containerfile: the base image %q is not on this server, and this server does not pull images: build FROM scratch, or ask the operator to provide the image", berth.ErrBadArtefact, ref)
		}
		if err != nil {
			return fmt.Errorf("container: check base image %s: %w", ref, err)
		}
	}
	return nil
}

func findContainerfile(entries []artefact.Entry) (string, error) {
	byName := map[string]artefact.Entry{}
	for _, e := range entries {
		byName[e.Name] = e
	}
	for _, name := range containerfileNames {
		e, ok := byName[name]
		if !ok {
			continue
		}
		if e.Type != artefact.TypeFile {
			return "", fmt.Errorf("%w: %s is a %s: make it a plain file", berth.ErrBadArtefact, name, e.Type)
		}
		return name, nil
	}
	return "", fmt.Errorf("%w: the build context has no Containerfile or Dockerfile at its root: add one next to berth.toml", berth.ErrBadArtefact)
}

// resolveRun decides how instances run the image: berth.toml's [container]
// settings first, then the image's own (ENTRYPOINT and CMD, a single
// EXPOSEd port).
func resolveRun(rec *record, s artefact.ContainerSettings, img *engine.Image) error {
	rec.Mode = s.Mode
	if rec.Mode == "" {
		rec.Mode = watchdog.ModeHTTP
	}
	rec.Command = s.Command
	if len(rec.Command) == 0 {
		rec.Command = append(append([]string(nil), img.Config.Entrypoint...), img.Config.Cmd...)
	}
	if len(rec.Command) == 0 || rec.Command[0] == "" {
		return fmt.Errorf("%w: the image has no command to run: set ENTRYPOINT or CMD in the Containerfile, or [container] command in berth.toml", berth.ErrBadArtefact)
	}
	if rec.Mode == watchdog.ModeHTTP {
		rec.Port = s.Port
		if rec.Port == 0 {
			rec.Port = exposedPort(img.Config.ExposedPorts)
		}
	}
	return nil
}

// exposedPort returns the image's only exposed TCP port, or DefaultPort.
func exposedPort(ports map[string]struct{}) int {
	var tcp []int
	for p := range ports {
		num, proto, _ := strings.Cut(p, "/")
		if n, err := strconv.Atoi(num); err == nil && (proto == "" || proto == "tcp") && n > 0 && n < 65536 {
			tcp = append(tcp, n)
		}
	}
	if len(tcp) == 1 {
		return tcp[0]
	}
	return DefaultPort
}

// writeBuildContext writes the archive's entries as a tar stream: the
// form the engine takes. Names are the archive's checked, cleaned names;
// owners, times and special bits are not carried over.
func writeBuildContext(a *artefact.File, w io.Writer) error {
	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	err := a.Walk(func(e artefact.Entry, content io.Reader) error {
		hdr := &tar.Header{Name: e.Name, ModTime: epoch, Mode: 0o644, Format: tar.FormatPAX}
		switch e.Type {
		case artefact.TypeDir:
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, e.Name+"/", 0o755
		case artefact.TypeFile:
			hdr.Typeflag, hdr.Size = tar.TypeReg, e.Size
			if e.Mode&0o111 != 0 {
				hdr.Mode = 0o755
			}
		case artefact.TypeSymlink:
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, e.Linkname, 0o777
		case artefact.TypeHardlink:
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, e.Linkname
		default:
			return fmt.Errorf("%w: %s: unsupported entry", berth.ErrBadArtefact, e.Name)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if e.Type == artefact.TypeFile {
			if _, err := io.Copy(tw, content); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// buildLogWriter keeps the beginning and the end of a build's output,
// at most max bytes in all.
type buildLogWriter struct {
	head, tail []byte
	headMax    int
	tailMax    int
	dropped    int64
}

func newBuildLogWriter(max int) *buildLogWriter {
	return &buildLogWriter{headMax: max / 4, tailMax: max - max/4}
}

func (b *buildLogWriter) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.headMax - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - b.tailMax; over > b.tailMax/2 || (over > 0 && len(p) == 0) {
		b.dropped += int64(over)
		b.tail = append(b.tail[:0], b.tail[over:]...)
	}
	return n, nil
}

func (b *buildLogWriter) String() string {
	tail := b.tail
	dropped := b.dropped
	if over := len(tail) - b.tailMax; over > 0 {
		tail, dropped = tail[over:], dropped+int64(over)
	}
	if dropped == 0 {
		return string(b.head) + string(tail)
	}
	return string(b.head) + fmt.Sprintf("\n[… %d bytes of build output left out …]\n", dropped) + string(tail)
}

// logTail is the end of the build output, for an error message.
func logTail(w io.Writer) string {
	b, ok := w.(*buildLogWriter)
	if !ok {
		return ""
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	lines = lines[max(0, len(lines)-15):]
	out := strings.Join(lines, "\n")
	if len(out) > 2048 {
		out = "…" + out[len(out)-2048:]
	}
	if strings.TrimSpace(out) == "" {
		return ""
	}
	return "\nend of the build log:\n" + out
}
