package engine

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ContainerConfig is the body of a create call: the Docker API's container
// configuration with its host configuration, reduced to the fields berth
// sets.
type ContainerConfig struct {
	Image           string            `json:"Image"`
	Entrypoint      []string          `json:"Entrypoint,omitempty"`
	Cmd             []string          `json:"Cmd,omitempty"`
	Env             []string          `json:"Env,omitempty"`
	Labels          map[string]string `json:"Labels,omitempty"`
	WorkingDir      string            `json:"WorkingDir,omitempty"`
	User            string            `json:"User,omitempty"`
	NetworkDisabled bool              `json:"NetworkDisabled,omitempty"`
	StopSignal      string            `json:"StopSignal,omitempty"`
	StopTimeout     *int              `json:"StopTimeout,omitempty"`
	HostConfig      HostConfig        `json:"HostConfig"`
}

// HostConfig is the isolation and resources of a container.
type HostConfig struct {
	Binds          []string          `json:"Binds,omitempty"`
	NetworkMode    string            `json:"NetworkMode,omitempty"`
	ReadonlyRootfs bool              `json:"ReadonlyRootfs"`
	Tmpfs          map[string]string `json:"Tmpfs,omitempty"`
	CapDrop        []string          `json:"CapDrop,omitempty"`
	SecurityOpt    []string          `json:"SecurityOpt,omitempty"`
	PidsLimit      *int64            `json:"PidsLimit,omitempty"`
	Memory         int64             `json:"Memory,omitempty"`
	MemorySwap     int64             `json:"MemorySwap,omitempty"`
	NanoCPUs       int64             `json:"NanoCpus,omitempty"`
	Ulimits        []Ulimit          `json:"Ulimits,omitempty"`
	RestartPolicy  RestartPolicy     `json:"RestartPolicy"`
	AutoRemove     bool              `json:"AutoRemove"`
}

// Ulimit is one resource limit of a container's processes.
type Ulimit struct {
	Name string `json:"Name"`
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

// RestartPolicy says whether the engine restarts a stopped container.
type RestartPolicy struct {
	Name string `json:"Name"` // "no" for berth
}

// CreateContainer creates a container and returns its id.
func (c *Client) CreateContainer(ctx context.Context, name string, cfg *ContainerConfig) (string, error) {
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	var out struct {
		ID string `json:"Id"`
	}
	if err := c.call(ctx, "create container", http.MethodPost, "/containers/create", q, cfg, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	return c.call(ctx, "start container", http.MethodPost, "/containers/"+url.PathEscape(id)+"/start", nil, nil, nil)
}

// RemoveContainer kills and removes a container with its anonymous
// volumes. A missing container is not an error.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	q := url.Values{"force": {"1"}, "v": {"1"}}
	err := c.call(ctx, "remove container", http.MethodDelete, "/containers/"+url.PathEscape(id), q, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// ContainerState is the state part of an inspected container.
type ContainerState struct {
	Status     string    `json:"Status"` // created, running, exited, …
	Running    bool      `json:"Running"`
	OOMKilled  bool      `json:"OOMKilled"`
	Dead       bool      `json:"Dead"`
	ExitCode   int       `json:"ExitCode"`
	Error      string    `json:"Error"`
	StartedAt  time.Time `json:"StartedAt"`
	FinishedAt time.Time `json:"FinishedAt"`
}

// Container is what berth reads of an inspected container.
type Container struct {
	ID     string         `json:"Id"`
	Name   string         `json:"Name"`
	State  ContainerState `json:"State"`
	Config struct {
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
}

// InspectContainer reads a container. A missing container is an error for
// which IsNotFound is true.
func (c *Client) InspectContainer(ctx context.Context, id string) (*Container, error) {
	var out Container
	if err := c.call(ctx, "inspect container", http.MethodGet, "/containers/"+url.PathEscape(id)+"/json", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ContainerSummary is one entry of ListContainers.
type ContainerSummary struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	State  string            `json:"State"`
	Labels map[string]string `json:"Labels"`
}

// ListContainers lists every container (running or not) that carries all
// the given labels ("key=value" or "key").
func (c *Client) ListContainers(ctx context.Context, labels []string) ([]ContainerSummary, error) {
	q := labelFilters(labels)
	q.Set("all", "1")
	var all []ContainerSummary
	if err := c.call(ctx, "list containers", http.MethodGet, "/containers/json", q, nil, &all); err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if matchLabels(c.Labels, labels) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Logs returns the last lines (at most tail) a container wrote on stdout
// and stderr, interleaved, at most max bytes.
func (c *Client) Logs(ctx context.Context, id string, tail, max int) (string, error) {
	q := url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {strconv.Itoa(tail)}}
	resp, err := c.request(ctx, "container logs", http.MethodGet, "/containers/"+url.PathEscape(id)+"/logs", q, nil, "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+8<<10))
	if err != nil {
		return "", err
	}
	out := demux(data)
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out, nil
}

// demux undoes the multiplexing of a container's output without a TTY:
// frames of an 8-byte header (stream, 3 zero bytes, big-endian length)
// and the payload. Output that is not framed is returned as it is.
func demux(data []byte) string {
	var b strings.Builder
	rest := data
	for len(rest) >= 8 {
		if rest[0] > 2 || rest[1] != 0 || rest[2] != 0 || rest[3] != 0 {
			return string(data)
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		rest = rest[8:]
		n = min(n, len(rest))
		b.Write(rest[:n])
		rest = rest[n:]
	}
	return b.String()
}
