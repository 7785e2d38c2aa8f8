package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFollowLogs(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/functions/f1/logs" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"status":404,"title":"Not Found","detail":"no function f2"}`)
			return
		}
		query = r.URL.RawQuery
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": keep-alive\n\n")
		fmt.Fprint(w, "event: log\ndata: {\"execution_id\":\"e1\",\"at\":\"2026-11-23T10:00:00Z\",\"line\":\"one\"}\n\n")
		fmt.Fprint(w, "event: other\ndata: {\"ignored\":true}\n\n")
		fmt.Fprint(w, "event: log\ndata:{\"execution_id\":\"e2\",\"at\":\"2026-11-23T10:00:01Z\",\n")
		fmt.Fprint(w, "data: \"line\":\"two\"}\n\n")
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		var got []string
		since := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		err := c.FollowLogs(ctx, "f1", since, func(l LogLine) error {
			got = append(got, l.ExecutionID+":"+l.Line)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "e1:one,e2:two" {
			t.Fatalf("lines %v", got)
		}
		if query != "follow=true&since=2026-11-23T09%3A00%3A00Z" {
			t.Fatalf("query %q", query)
		}
	})
	t.Run("StopFromCallback", func(t *testing.T) {
		stop := errors.New("enough")
		err := c.FollowLogs(ctx, "f1", time.Time{}, func(LogLine) error { return stop })
		if !errors.Is(err, stop) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		err := c.FollowLogs(ctx, "f2", time.Time{}, func(LogLine) error { return nil })
		if StatusOf(err) != 404 || !strings.Contains(err.Error(), "no function f2") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestFollowLogsCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: log\ndata: {\"execution_id\":\"e1\",\"line\":\"one\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithHTTPClient(&http.Client{}))
	ctx, cancel := context.WithCancel(context.Background())
	err := c.FollowLogs(ctx, "f1", time.Time{}, func(LogLine) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// TestDeployReader streams a body whose hash was computed beforehand: the
// signer does not read it, the server gets it whole.
func TestDeployReader(t *testing.T) {
	var got, ct, hash string
	var length int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, ct, hash, length = string(b), r.Header.Get("Content-Type"), r.Header.Get("X-Berth-Content-Sha256"), r.ContentLength
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"deployment":{"version":3,"status":"ready","active":true},"function":{"id":"f1","name":"hello"}}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, WithKeypair("BKTEST", "secret"))
	body := "module bytes"
	res, err := c.DeployReader(context.Background(), "f1", "application/wasm", strings.NewReader(body), int64(len(body)), "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if res.Deployment.Version != 3 || res.Function.Name != "hello" {
		t.Fatalf("result %+v", res)
	}
	if got != body || ct != "application/wasm" || hash != "abc123" || length != int64(len(body)) {
		t.Fatalf("server got %q %q %q %d", got, ct, hash, length)
	}
}
