package engine

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// fakeEngine serves h on a Unix socket and returns a client for it. (The
// race below cannot be made to happen on demand with a real Podman.)
func fakeEngine(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "e.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	c, err := New("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestListImagesRace: Podman fails a list with "image not known" when an
// image is removed while it lists; ListImages asks again, and gives up
// after a few tries with the engine's error.
func TestListImagesRace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int32
		ok       bool
	}{{"OK", 2, true}, {"ErrPersistent", 100, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= tc.failures {
					w.WriteHeader(http.StatusInternalServerError)
					_, _ = w.Write([]byte(`{"message":"retrieving size of image \"21e1\": image not known"}`))
					return
				}
				_, _ = w.Write([]byte(`[{"Id":"sha256:aa","RepoTags":["berth-fn/x:1"],"Labels":{"berth.scope":"s"}}]`))
			})
			imgs, err := c.ListImages(context.Background(), []string{"berth.scope=s"})
			if tc.ok && (err != nil || len(imgs) != 1) {
				t.Fatalf("after %d races: %v, %v", tc.failures, imgs, err)
			}
			if !tc.ok && (err == nil || calls.Load() != listAttempts) {
				t.Fatalf("a persistent failure: %v after %d calls, want the error after %d", err, calls.Load(), listAttempts)
			}
		})
	}
}

// TestInspectImageRace: the same for an image just built and tagged.
func TestInspectImageRace(t *testing.T) {
	var calls atomic.Int32
	c := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message":"failed to convert ImageData to ImageInspect: locating image with ID \"8c69\": image not known"}`))
			return
		}
		_, _ = w.Write([]byte(`{"Id":"sha256:8c69"}`))
	})
	img, err := c.InspectImage(context.Background(), "berth-fn/x:1")
	if err != nil || img.ID != "sha256:8c69" {
		t.Fatalf("after two races: %+v, %v", img, err)
	}
}
