package cli

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

//go:embed templates
var templates embed.FS

// scaffold is what 'berth fn init' writes.
type scaffold struct {
	Name, Runtime, Template string
}

// files maps each file of the scaffold to its template.
func (s scaffold) files() map[string]string {
	files := map[string]string{"README.md": "README.md.tmpl"}
	switch s.Template {
	case "go":
		files["go.mod"] = "go/go.mod.tmpl"
		files["main.go"] = "go/main.go.tmpl"
		files["main_test.go"] = "go/main_test.go.tmpl"
	case "c":
		files["main.c"] = "c/main.c.tmpl"
	}
	switch s.Runtime {
	case "wasm":
		files["berth.toml"] = "wasm/berth.toml.tmpl"
		files[".gitignore"] = "wasm/gitignore.tmpl"
	case "container":
		files["berth.toml"] = "container/berth.toml.tmpl"
		files["Containerfile"] = "container/Containerfile-" + s.Template + ".tmpl"
	}
	return files
}

// write renders the scaffold into dir, which must not exist or be empty.
func (s scaffold) write(dir string) ([]string, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s already exists and is not empty: choose another NAME or --dir", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // a source folder people share and commit
		return nil, err
	}
	var written []string
	for name, tmpl := range s.files() {
		text, err := fs.ReadFile(templates, "templates/"+tmpl)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, s); err != nil {
			return nil, fmt.Errorf("template %s: %w", tmpl, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil { //nolint:gosec // source files people read and edit
			return nil, err
		}
		written = append(written, name)
	}
	return written, nil
}

// functionName is the server's rule for names: a lower-case DNS label.
var functionName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (a *app) fnInitCommand() *cobra.Command {
	var runtime, tmpl, dir, description string
	var localOnly bool
	cmd := &cobra.Command{
		Use:   "init NAME [--runtime wasm|container] [--template go|c]",
		Short: "Scaffold a function in ./NAME and create it on the server",
		Long: `Write a folder NAME/ holding a function that builds and deploys as it is —
source, berth.toml, README — and create the function on the server (unless
--local-only). Then 'berth fn deploy NAME' builds and uploads it.

Templates: go (a Go WAGI program, built with GOOS=wasip1) and c (built with
clang --target=wasm32-wasi). With --runtime container, the folder is a
build context with a Containerfile instead.

NAME is a lower-case DNS label: a-z, 0-9 and '-', up to 63 characters.`,
		Example: `  berth fn init hello
  berth fn init echo --template c
  berth fn init api --runtime container
  berth fn init hello --local-only --dir ./functions/hello`,
		Args: args(1, 1, "the function's NAME"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			name := argv[0]
			if !functionName.MatchString(name) {
				return usagef("%q is not a valid function name: use a-z, 0-9 and '-', 1 to 63 characters, not starting or ending with '-'", name)
			}
			if runtime != "wasm" && runtime != "container" {
				return usagef("--runtime %q: use wasm or container", runtime)
			}
			if tmpl != "go" && tmpl != "c" {
				return usagef("--template %q: use go or c", tmpl)
			}
			if dir == "" {
				dir = name
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s already exists and is not empty: choose another NAME or --dir", dir)
			}
			var created *client.Function
			if !localOnly {
				s, err := a.session()
				if err != nil {
					return err
				}
				created, err = s.c.InitFunction(cmd.Context(), name, runtime, description)
				if client.StatusOf(err) == 409 {
					return fmt.Errorf("%w; 'berth fn init %s --local-only' writes the folder alone", err, name)
				}
				if err != nil {
					return err
				}
			}
			files, err := scaffold{Name: name, Runtime: runtime, Template: tmpl}.write(dir)
			if err != nil {
				return err
			}
			out := a.env.Stdout
			if created != nil {
				fmt.Fprintf(out, "Created function %s (%s, id %s).\n", created.Name, created.Runtime, created.ID)
			}
			fmt.Fprintf(out, "Wrote %s/ (%d files: %s template, %s runtime).\n\nNext:\n  berth fn deploy %s\n  berth fn invoke %s -d 'Ada'\n",
				dir, len(files), tmpl, runtime, dir, name)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&runtime, "runtime", "wasm", "wasm or container")
	f.StringVar(&tmpl, "template", "go", "go or c")
	f.StringVar(&dir, "dir", "", "the folder to write (default ./NAME)")
	f.StringVar(&description, "description", "", "a line that says what the function does")
	f.BoolVar(&localOnly, "local-only", false, "write the folder only; do not create the function on the server")
	return cmd
}
