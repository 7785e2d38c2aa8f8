package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Config is the CLI's configuration file: named contexts, each a server
// and a keypair, and the one in use.
//
//	current_context = "default"
//
//	[contexts.default]
//	server = "http://127.0.0.1:8080"
//	email = "admin@berth.local"
//	user_id = "6f0c…"
//	access_key = "BK…"
//	secret_key = "…"
//	logged_in_at = 2026-11-23T10:15:00Z
type Config struct {
	CurrentContext string              `toml:"current_context"`
	Contexts       map[string]*Context `toml:"contexts"`

	path string
}

// Context is a server and the keypair berth signs its requests with.
type Context struct {
	Server     string    `toml:"server"`
	Email      string    `toml:"email,omitempty"`
	UserID     string    `toml:"user_id,omitempty"`
	AccessKey  string    `toml:"access_key"`
	SecretKey  string    `toml:"secret_key"`
	LoggedInAt time.Time `toml:"logged_in_at"`
}

// configPath is BERTH_CLI_CONFIG, else $XDG_CONFIG_HOME/berth/config.toml,
// else ~/.config/berth/config.toml.
func configPath(e *Env) (string, error) {
	if p := e.Getenv("BERTH_CLI_CONFIG"); p != "" {
		return p, nil
	}
	if x := e.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "berth", "config.toml"), nil
	}
	if h := e.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "berth", "config.toml"), nil
	}
	return "", errors.New("cannot place the configuration file: set HOME or BERTH_CLI_CONFIG")
}

// maxConfigBytes caps the configuration file berth reads.
const maxConfigBytes = 1 << 20

// loadConfig reads the configuration file; a missing file is an empty
// configuration.
func loadConfig(e *Env) (*Config, error) {
	path, err := configPath(e)
	if err != nil {
		return nil, err
	}
	c := &Config{path: path, Contexts: map[string]*Context{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the configuration: %w", err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("%s is larger than 1 MiB; is it berth's CLI configuration?", path)
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, configError(path, err)
	}
	if c.Contexts == nil {
		c.Contexts = map[string]*Context{}
	}
	for name, ctx := range c.Contexts {
		if ctx == nil || ctx.Server == "" {
			return nil, fmt.Errorf("%s: context %q has no server; run 'berth login --context %s' or remove it with 'berth logout --context %s --force'", path, name, name, name)
		}
	}
	return c, nil
}

func configError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		key := strings.Join(strict.Errors[0].Key(), ".")
		return fmt.Errorf("%s: unknown key %q: this is not berth's CLI configuration (is BERTH_CLI_CONFIG pointing at a server configuration file?)", path, key)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Errorf("%s line %d, column %d: %s", path, row, col, strings.TrimPrefix(de.Error(), "toml: "))
	}
	return fmt.Errorf("%s: %w", path, err)
}

// save writes the configuration atomically: a temporary file with mode
// 0600 in the same directory (created 0700), synced, then renamed.
func (c *Config) save() error {
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	data, err := toml.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write the configuration: %w", err)
	}
	header := "# berth CLI configuration: written by 'berth login'; it holds secret keys, keep it private (mode 0600).\n\n"
	if _, err := tmp.WriteString(header); err != nil {
		tmp.Close()
		return fmt.Errorf("write the configuration: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write the configuration: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write the configuration: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	return nil
}

// names lists the contexts' names, sorted.
func (c *Config) names() []string {
	names := make([]string, 0, len(c.Contexts))
	for n := range c.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// contextName is the context a command uses: --context, else
// BERTH_CONTEXT, else the current one.
func (c *Config) contextName(flag string, e *Env) string {
	if flag != "" {
		return flag
	}
	if v := e.Getenv("BERTH_CONTEXT"); v != "" {
		return v
	}
	return c.CurrentContext
}

// use returns the named context, or an AuthError that says what to do.
func (c *Config) use(name string) (*Context, error) {
	if name == "" {
		return nil, AuthError{errors.New("not logged in: run 'berth login --server URL' first")}
	}
	ctx, ok := c.Contexts[name]
	if !ok {
		if len(c.Contexts) == 0 {
			return nil, AuthError{fmt.Errorf("no context %q: not logged in; run 'berth login --context %s'", name, name)}
		}
		return nil, AuthError{fmt.Errorf("no context %q; the contexts are %s ('berth context list')", name, strings.Join(c.names(), ", "))}
	}
	return ctx, nil
}

// validContextName keeps names simple enough to type and to be TOML keys.
func validContextName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:@", r)) {
			return false
		}
	}
	return true
}
