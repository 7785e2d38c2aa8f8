package cli

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

func (a *app) fnDeployCommand() *cobra.Command {
	var out output
	var name string
	cmd := &cobra.Command{
		Use:   "deploy [DIR|FILE] [--name NAME]",
		Short: "Build, upload and activate a new version of a function",
		Long: `Upload a new version of a function and make it the active one.

From a folder (default: the current one), berth builds what it finds:
  - Go (go.mod or *.go): GOOS=wasip1 GOARCH=wasm go build, into a module;
  - C (*.c): clang --target=wasm32-wasi -O2 (BERTH_WASI_CC overrides clang);
  - otherwise the folder's only *.wasm file.
With a berth.toml beside, the module and berth.toml are packed into a
.tar.gz (the module where berth.toml's [wasm] module says, or NAME.wasm);
without, the module is uploaded as is (application/wasm). For a function of
the container runtime, the folder is packed as the image's build context.

From a file, berth uploads it as is: .wasm, .tar.gz/.tgz or .zip.

NAME defaults to the folder's name (or the file's, without extension).
When no function has that name yet, it is created first. The upload shows
a progress bar on a terminal; the answer is the new version and the URL to
call it at.`,
		Example: `  berth fn deploy                 # the current folder, named after it
  berth fn deploy ./hello
  berth fn deploy build/api.wasm --name api
  berth fn deploy ./hello -o json | jq .deployment.version`,
		Args: args(0, 1, "at most one DIR or FILE"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			src := "."
			if len(argv) == 1 {
				src = argv[0]
			}
			return a.deploy(cmd.Context(), src, name, out)
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "the function's name or id (default: the folder's or file's name)")
	out.register(cmd)
	return cmd
}

// deployOutput is what deploy prints for scripts.
type deployOutput struct {
	Deployment client.Deployment `json:"deployment"`
	Function   client.Function   `json:"function"`
	InvokeURL  string            `json:"invoke_url"`
	TriggerURL string            `json:"trigger_url"`
}

func (a *app) deploy(ctx context.Context, src, name string, out output) error {
	info, err := os.Stat(src)
	if err != nil {
		return UsageError{fmt.Errorf("nothing to deploy at %s: %w", src, errors.Unwrap(err))}
	}
	if name == "" {
		name = defaultName(src, info)
	}
	s, err := a.session()
	if err != nil {
		return err
	}
	f, err := s.resolveFunction(ctx, name)
	var nf notFoundError
	create := errors.As(err, &nf) && !isUUID(name)
	if err != nil && !create {
		return err
	}
	if create && !functionName.MatchString(name) {
		return usagef("%q is not a valid function name (a-z, 0-9 and '-'): give one with --name", name)
	}
	rt := "wasm"
	if create && info.IsDir() && containerfile(src) != "" {
		rt = "container"
	}
	if !create {
		name, rt = f.Name, f.Runtime
	}
	tmp, err := os.MkdirTemp("", "berth-deploy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	art, err := a.artefact(ctx, src, info, name, rt, tmp)
	if err != nil {
		return err
	}
	if create {
		if f, err = s.c.InitFunction(ctx, name, rt, ""); err != nil {
			return fmt.Errorf("create the function %q: %w", name, err)
		}
		fmt.Fprintf(a.env.Stderr, "Created function %s (%s, id %s).\n", f.Name, f.Runtime, f.ID)
	}
	res, err := a.upload(ctx, s, f.ID, art)
	if err != nil {
		return err
	}
	o := deployOutput{Deployment: res.Deployment, Function: res.Function,
		InvokeURL: absURL(s.ctx.Server, res.Function.InvokeURL), TriggerURL: absURL(s.ctx.Server, res.Function.TriggerURL)}
	return out.print(a.env.Stdout, o, func(w io.Writer) error {
		colour := a.env.colour(w)
		fmt.Fprintf(w, "%s %s version %d (%s, sha256 %s).\n", paint(colour, green, "Deployed"), res.Function.Name, res.Deployment.Version,
			size(res.Deployment.Size), short(res.Deployment.SHA256, 12))
		fmt.Fprintf(w, "Invoke:   %s\n", o.InvokeURL)
		fmt.Fprintf(w, "Trigger:  %s\n", o.TriggerURL)
		_, err := fmt.Fprintf(w, "Try it:   berth fn invoke %s -d 'hello'\n", res.Function.Name)
		return err
	})
}

// defaultName is a folder's name, or a file's without its extension.
func defaultName(src string, info fs.FileInfo) string {
	abs, err := filepath.Abs(src)
	if err != nil {
		abs = src
	}
	base := filepath.Base(abs)
	if !info.IsDir() {
		for _, ext := range []string{".tar.gz", ".tgz", ".wasm", ".zip"} {
			if b, ok := strings.CutSuffix(base, ext); ok {
				return b
			}
		}
	}
	return base
}

// upload is a built artefact on disk.
type upload struct {
	path, contentType, label string
}

// artefact builds or packs what src holds for a function of that name and
// runtime, in dir.
func (a *app) artefact(ctx context.Context, src string, info fs.FileInfo, name, runtime, dir string) (*upload, error) {
	if !info.IsDir() {
		ct, ok := contentTypeOf(src)
		if !ok {
			return nil, usagef("%s: deploy a folder, or a .wasm, .tar.gz, .tgz or .zip file", src)
		}
		return &upload{path: src, contentType: ct, label: filepath.Base(src)}, nil
	}
	if runtime == "container" {
		if containerfile(src) == "" {
			return nil, usagef("%s: a container function is built from a Containerfile or Dockerfile, and the folder has neither", src)
		}
		out := filepath.Join(dir, name+".tar.gz")
		if err := packDir(src, out); err != nil {
			return nil, err
		}
		return &upload{path: out, contentType: "application/gzip", label: name + ".tar.gz"}, nil
	}
	module, err := a.buildModule(ctx, src, filepath.Join(dir, name+".wasm"))
	if err != nil {
		return nil, err
	}
	manifest := filepath.Join(src, "berth.toml")
	mdata, err := os.ReadFile(manifest)
	if errors.Is(err, fs.ErrNotExist) {
		return &upload{path: module, contentType: "application/wasm", label: filepath.Base(module)}, nil
	}
	if err != nil {
		return nil, err
	}
	inArchive, err := manifestModule(mdata, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	out := filepath.Join(dir, name+".tar.gz")
	if err := packFiles(out, map[string]string{"berth.toml": manifest, inArchive: module}); err != nil {
		return nil, err
	}
	return &upload{path: out, contentType: "application/gzip", label: name + ".tar.gz"}, nil
}

func contentTypeOf(name string) (string, bool) {
	switch n := strings.ToLower(name); {
	case strings.HasSuffix(n, ".wasm"):
		return "application/wasm", true
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return "application/gzip", true
	case strings.HasSuffix(n, ".zip"):
		return "application/zip", true
	}
	return "", false
}

func containerfile(dir string) string {
	for _, n := range []string{"Containerfile", "Dockerfile"} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// manifestModule is where berth.toml says the module is ([wasm] module),
// or NAME.wasm at the root. Only that key is read here; the server checks
// the whole file.
func manifestModule(data []byte, name string) (string, error) {
	var m struct {
		Wasm struct {
			Module string `toml:"module"`
		} `toml:"wasm"`
	}
	if err := toml.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("not valid TOML: %w", err)
	}
	if m.Wasm.Module == "" {
		return name + ".wasm", nil
	}
	p := path.Clean(m.Wasm.Module)
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, `\`) {
		return "", fmt.Errorf("[wasm] module %q must be a path inside the archive", m.Wasm.Module)
	}
	return p, nil
}

// buildModule builds the folder's module into out and returns its path,
// or returns the folder's ready *.wasm file.
func (a *app) buildModule(ctx context.Context, src, out string) (string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	var goFiles, cFiles, wasmFiles []string
	hasGoMod := false
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		switch n := e.Name(); {
		case n == "go.mod":
			hasGoMod = true
		case strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go"):
			goFiles = append(goFiles, n)
		case strings.HasSuffix(n, ".c"):
			cFiles = append(cFiles, n)
		case strings.HasSuffix(n, ".wasm"):
			wasmFiles = append(wasmFiles, n)
		}
	}
	switch {
	case hasGoMod || len(goFiles) > 0:
		return out, a.run(ctx, src, "Building "+filepath.Base(out)+" with Go (GOOS=wasip1 GOARCH=wasm)",
			[]string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0"},
			"go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	case len(cFiles) > 0:
		cc := a.env.Getenv("BERTH_WASI_CC")
		if cc == "" {
			cc = "clang"
		}
		sort.Strings(cFiles)
		argv := append([]string{cc, "--target=wasm32-wasi", "-O2", "-o", out}, cFiles...)
		return out, a.run(ctx, src, "Building "+filepath.Base(out)+" with "+cc+" (wasm32-wasi)", nil, argv...)
	case len(wasmFiles) == 1:
		return filepath.Join(src, wasmFiles[0]), nil
	case len(wasmFiles) > 1:
		return "", usagef("%s holds several .wasm files (%s): deploy one of them by its path", src, strings.Join(wasmFiles, ", "))
	}
	return "", usagef("nothing to deploy in %s: expected a Go module, C sources, a .wasm file or a Containerfile ('berth fn init NAME' scaffolds a function)", src)
}

// run runs a build tool in dir, its output on standard error.
func (a *app) run(ctx context.Context, dir, what string, env []string, argv ...string) error {
	fmt.Fprintln(a.env.Stderr, what+"…")
	bin, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("%s: %s is not installed or not on PATH", what, argv[0])
	}
	cmd := exec.CommandContext(ctx, bin, argv[1:]...) //nolint:gosec // the user's own build tool: go, clang or BERTH_WASI_CC
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, a.env.Environ...), env...)
	cmd.Stdout, cmd.Stderr = a.env.Stderr, a.env.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build failed (%s %s): %w", argv[0], strings.Join(argv[1:], " "), err)
	}
	if d := time.Since(start); d > 2*time.Second {
		fmt.Fprintf(a.env.Stderr, "Built in %s.\n", d.Round(100*time.Millisecond))
	}
	return nil
}

// packFiles writes a .tar.gz holding files (name in the archive → path on
// disk).
func packFiles(out string, files map[string]string) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return writeTarGz(out, func(tw *tar.Writer) error {
		for _, n := range names {
			if err := addFile(tw, n, files[n]); err != nil {
				return err
			}
		}
		return nil
	})
}

// packDir writes a .tar.gz of a folder's regular files, for a container
// build context. Version-control folders are left out; links are refused
// (the server refuses them too).
func packDir(dir, out string) error {
	return writeTarGz(out, func(tw *tar.Writer) error {
		return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil || rel == "." {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); n == ".git" || n == ".hg" || n == ".svn" {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s is not a regular file: a build context holds only files and folders", p)
			}
			return addFile(tw, filepath.ToSlash(rel), p)
		})
	})
}

func writeTarGz(out string, fill func(*tar.Writer) error) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	if err := fill(tw); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	mode := int64(0o644)
	if fi.Mode()&0o111 != 0 {
		mode = 0o755
	}
	hdr := &tar.Header{Name: name, Mode: mode, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// upload sends the artefact (streamed, hashed first by the client) with a
// progress bar on a terminal.
func (a *app) upload(ctx context.Context, s *session, id string, u *upload) (*client.DeployResult, error) {
	var bar *progress
	res, err := s.c.DeployFileWatched(ctx, id, u.contentType, u.path, func(r io.Reader, n int64) io.Reader {
		bar = newProgress(a.env.Stderr, "Uploading "+u.label, n)
		return bar.reader(r)
	})
	bar.clear()
	return res, err
}
