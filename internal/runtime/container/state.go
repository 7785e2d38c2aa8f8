package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Layout of Config.StateDir.
const (
	dirDeployments = "deployments" // <fileKey>.json: a built deployment
	dirBuilds      = "builds"      // <fileKey>.json: a build log (also of failed builds)
	dirInstances   = "i"           // <instance id>/: an instance's socket directory
	dirPodman      = "podman"      // the private Podman service's socket
	fileScope      = "scope"       // the scope of this directory's containers and images
)

// record is what the runtime keeps of a built deployment, in memory and
// in <state>/deployments so that it survives a restart.
type record struct {
	FunctionID string    `json:"function_id"`
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256,omitempty"`
	Image      string    `json:"image"`    // tag
	ImageID    string    `json:"image_id"` // what instances run
	Mode       string    `json:"mode"`
	Port       int       `json:"port,omitempty"`
	Command    []string  `json:"command"`
	BuiltAt    time.Time `json:"built_at"`
	BuildMS    int64     `json:"build_ms"`
}

type state struct{ dir string }

func (s state) path(parts ...string) string {
	return filepath.Join(append([]string{s.dir}, parts...)...)
}

func (s state) init() error {
	for _, d := range []string{"", dirDeployments, dirBuilds, dirInstances} {
		if err := os.MkdirAll(s.path(d), 0o700); err != nil {
			return fmt.Errorf("container: state directory: %w", err)
		}
	}
	return os.Chmod(s.dir, 0o700) //nolint:gosec // G302: a directory: 0700 keeps it private
}

// scope returns the scope of the containers and images made for this
// state directory, so that two berth installations on one engine (Podman's
// storage is shared by every service of a host) never reconcile each
// other's containers away. It is made at the directory's first use and
// kept in its scope file: a fresh random one, or DefaultScope for a
// directory that already holds deployment records, whose containers were
// made before scopes were kept.
func (s state) scope() (string, error) {
	data, err := os.ReadFile(s.path(fileScope))
	if err == nil {
		scope := strings.TrimSpace(string(data))
		if !isSafe(scope) {
			return "", fmt.Errorf("container: %s does not hold a scope (lower-case letters, digits, dashes)", s.path(fileScope))
		}
		return scope, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("container: %w", err)
	}
	scope := "s" + newInstanceID()
	if kept, err := os.ReadDir(s.path(dirDeployments)); err == nil && len(kept) > 0 {
		scope = DefaultScope
	}
	if err := writeAtomic(s.path(fileScope), []byte(scope+"\n")); err != nil {
		return "", err
	}
	return scope, nil
}

func (s state) recordPath(fn string, version int) string {
	return s.path(dirDeployments, fileKey(fn, version)+".json")
}

func (s state) buildLogPath(fn string, version int) string {
	return s.path(dirBuilds, fileKey(fn, version)+".json")
}

func (s state) instanceDir(id string) string { return s.path(dirInstances, id) }

// loadRecord reads a deployment's record; nil, nil when there is none.
func (s state) loadRecord(fn string, version int) (*record, error) {
	data, err := os.ReadFile(s.recordPath(fn, version))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("container: read deployment record: %w", err)
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("container: deployment record %s: %w", s.recordPath(fn, version), err)
	}
	if rec.FunctionID != fn || rec.Version != version {
		return nil, nil // another id with the same file name: cannot happen with safeName, but never trust it
	}
	return &rec, nil
}

func (s state) saveRecord(rec *record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.recordPath(rec.FunctionID, rec.Version), data)
}

// buildLog is a kept build log. It names its deployment so that Reconcile
// can drop the logs of deployments that no longer exist.
type buildLog struct {
	FunctionID string    `json:"function_id"`
	Version    int       `json:"version"`
	OK         bool      `json:"ok"`
	At         time.Time `json:"at"`
	Log        string    `json:"log"`
}

func (s state) saveBuildLog(bl *buildLog) error {
	data, err := json.Marshal(bl)
	if err != nil {
		return err
	}
	return writeAtomic(s.buildLogPath(bl.FunctionID, bl.Version), data)
}

// loadBuildLog reads a kept build log; nil, nil when there is none.
func (s state) loadBuildLog(fn string, version int) (*buildLog, error) {
	data, err := os.ReadFile(s.buildLogPath(fn, version))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("container: read build log: %w", err)
	}
	var bl buildLog
	if err := json.Unmarshal(data, &bl); err != nil {
		return nil, fmt.Errorf("container: build log %s: %w", s.buildLogPath(fn, version), err)
	}
	if bl.FunctionID != fn || bl.Version != version {
		return nil, nil
	}
	return &bl, nil
}

// writeAtomic replaces a file with data, never leaving half of it.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("container: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("container: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("container: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("container: %w", err)
	}
	return nil
}

// kept is one file of the state directory that belongs to a deployment.
type kept struct {
	path       string
	FunctionID string `json:"function_id"`
	Version    int    `json:"version"`
}

// keptFiles lists the deployment records and build logs.
func (s state) keptFiles() ([]kept, error) {
	var out []kept
	for _, dir := range []string{dirDeployments, dirBuilds} {
		ents, err := os.ReadDir(s.path(dir))
		if err != nil {
			return nil, fmt.Errorf("container: %w", err)
		}
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := s.path(dir, e.Name())
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			k := kept{path: p}
			if json.Unmarshal(data, &k) == nil && k.FunctionID != "" {
				out = append(out, k)
			}
		}
	}
	return out, nil
}
