package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BuildOptions describe one image build.
type BuildOptions struct {
	Tag         string            // name:tag given to the image
	Dockerfile  string            // path of the Containerfile inside the context
	Labels      map[string]string // set on the image
	NetworkMode string            // network of RUN steps; "none" keeps builds offline
	MemoryBytes int64             // memory limit of RUN steps; 0: the engine's default
}

// BuildError is a build that the engine ran and that failed (a bad
// Containerfile, a failing RUN step, a missing base image): the user's
// fault, unlike a transport error.
type BuildError struct {
	Message string
}

func (e *BuildError) Error() string { return "image build failed: " + e.Message }

// maxBuildLine caps one line of the build's JSON stream.
const maxBuildLine = 4 << 20

// Build sends a build context (a tar stream) and builds it. The build's
// output is written to log as it comes. It returns the new image's id as
// the engine reported it (possibly empty: inspect the tag to be sure).
// A failed build returns a *BuildError.
func (c *Client) Build(ctx context.Context, buildContext io.Reader, o BuildOptions, log io.Writer) (string, error) {
	q := url.Values{}
	q.Set("t", o.Tag)
	q.Set("dockerfile", o.Dockerfile)
	q.Set("rm", "1")
	q.Set("forcerm", "1")
	if o.NetworkMode != "" {
		q.Set("networkmode", o.NetworkMode)
	}
	if o.MemoryBytes > 0 {
		q.Set("memory", strconv.FormatInt(o.MemoryBytes, 10))
		q.Set("memswap", strconv.FormatInt(o.MemoryBytes, 10))
	}
	if len(o.Labels) > 0 {
		l, _ := json.Marshal(o.Labels)
		q.Set("labels", string(l))
	}
	resp, err := c.request(ctx, "build image", http.MethodPost, "/build", q, buildContext, "application/x-tar")
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status < 500 {
			return "", &BuildError{Message: e.Message}
		}
		return "", err
	}
	defer resp.Body.Close()
	return readBuildStream(resp.Body, log)
}

// readBuildStream follows the build's stream of JSON messages.
func readBuildStream(r io.Reader, log io.Writer) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxBuildLine)
	var id string
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var m struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
			Aux struct {
				ID string `json:"ID"`
			} `json:"aux"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			_, _ = fmt.Fprintf(log, "%s\n", line)
			continue
		}
		if m.Stream != "" {
			_, _ = io.WriteString(log, m.Stream)
		}
		if m.Aux.ID != "" {
			id = m.Aux.ID
		}
		if msg := firstNonEmpty(m.ErrorDetail.Message, m.Error); msg != "" {
			_, _ = io.WriteString(log, msg)
			return "", &BuildError{Message: strings.TrimSpace(msg)}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("engine: build image: read the build output: %w", err)
	}
	return id, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Image is what berth reads of an image.
type Image struct {
	ID     string      `json:"Id"`
	Config ImageConfig `json:"Config"`
}

// ImageConfig is an image's run configuration.
type ImageConfig struct {
	Entrypoint   []string            `json:"Entrypoint"`
	Cmd          []string            `json:"Cmd"`
	Env          []string            `json:"Env"`
	WorkingDir   string              `json:"WorkingDir"`
	User         string              `json:"User"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	Labels       map[string]string   `json:"Labels"`
}

// InspectImage reads an image by name or id. A missing image is an error
// for which IsNotFound is true.
//
// Like ListImages, it asks again when Podman reports an image it has just
// resolved as "not known" (HTTP 500): with several Podman processes on one
// store, a read can miss an image while another process rewrites the
// store's index. A real absence is a 404 and is not retried.
func (c *Client) InspectImage(ctx context.Context, ref string) (*Image, error) {
	var img Image
	err := retryRace(ctx, func() error {
		img = Image{}
		return c.call(ctx, "inspect image", http.MethodGet, "/images/"+url.PathEscape(ref)+"/json", nil, nil, &img)
	})
	if err != nil {
		return nil, err
	}
	return &img, nil
}

// RemoveImage removes a tag, and the image once no tag is left. A missing
// image is not an error.
func (c *Client) RemoveImage(ctx context.Context, ref string) error {
	err := c.call(ctx, "remove image", http.MethodDelete, "/images/"+url.PathEscape(ref), nil, nil, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// ImageSummary is one entry of ListImages.
type ImageSummary struct {
	ID       string            `json:"Id"`
	RepoTags []string          `json:"RepoTags"`
	Labels   map[string]string `json:"Labels"`
}

// ListImages lists the images that carry every given label ("key=value"
// or "key").
//
// Podman lists images in two steps and fails the whole list ("image not
// known", HTTP 500) when another user of the engine removes an image in
// between — another installation, or a prune. That is a race, not a
// fault: the list is asked again, a few times.
func (c *Client) ListImages(ctx context.Context, labels []string) ([]ImageSummary, error) {
	var all []ImageSummary
	err := retryRace(ctx, func() error {
		all = nil
		return c.call(ctx, "list images", http.MethodGet, "/images/json", labelFilters(labels), nil, &all)
	})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, img := range all {
		if matchLabels(img.Labels, labels) {
			out = append(out, img)
		}
	}
	return out, nil
}

// listAttempts bounds how often a read is asked again after a race.
const listAttempts = 5

// retryRace runs read until it succeeds, fails otherwise than by the
// store race (removedMidList), or listAttempts tries have been made.
func retryRace(ctx context.Context, read func() error) error {
	var err error
	for attempt := range listAttempts {
		if err = read(); !removedMidList(err) || attempt == listAttempts-1 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
	return err
}

// removedMidList reports Podman's answer for an image removed while it was
// being listed.
func removedMidList(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusInternalServerError && strings.Contains(e.Message, "image not known")
}

// PruneImages removes the dangling (untagged, unused) images older than
// minAge that carry every given label: the cache layers and stage images
// builds leave behind. minAge spares the images of builds still running
// anywhere on the engine (a build's new image is untagged until its last
// step). It returns how many were removed.
func (c *Client) PruneImages(ctx context.Context, labels []string, minAge time.Duration) (int, error) {
	until := strconv.FormatInt(time.Now().Add(-minAge).Unix(), 10)
	f, _ := json.Marshal(map[string][]string{"dangling": {"true"}, "label": labels, "until": {until}})
	var out struct {
		ImagesDeleted []json.RawMessage `json:"ImagesDeleted"`
	}
	err := c.call(ctx, "prune images", http.MethodPost, "/images/prune", url.Values{"filters": {string(f)}}, nil, &out)
	return len(out.ImagesDeleted), err
}
