package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestSocketPath(t *testing.T) {
	for in, want := range map[string]string{
		"unix:///run/podman/podman.sock": "/run/podman/podman.sock",
		"/var/run/docker.sock":           "/var/run/docker.sock",
	} {
		if got, err := SocketPath(in); err != nil || got != want {
			t.Errorf("SocketPath(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"tcp://127.0.0.1:2375", "unix://host/x", "relative.sock", "unix://"} {
		if _, err := SocketPath(bad); err == nil {
			t.Errorf("SocketPath(%q) accepted", bad)
		}
	}
}

func TestReadBuildStream(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var log strings.Builder
		id, err := readBuildStream(strings.NewReader(`{"stream":"STEP 1/2: FROM scratch\n"}
{"aux":{"ID":"sha256:abc"}}
not json
{"stream":"Successfully built abc\n"}
`), &log)
		if err != nil || id != "sha256:abc" || log.String() != "STEP 1/2: FROM scratch\nnot json\nSuccessfully built abc\n" {
			t.Fatalf("%q %v %q", id, err, log.String())
		}
	})
	t.Run("Error", func(t *testing.T) {
		var log strings.Builder
		_, err := readBuildStream(strings.NewReader(`{"stream":"STEP 2/2: COPY x /x\n"}
{"errorDetail":{"message":"copier: stat: \"/x\": no such file or directory\n"},"error":"ignored"}
`), &log)
		var be *BuildError
		if !errors.As(err, &be) || !strings.Contains(be.Message, "no such file") || !strings.Contains(log.String(), "no such file") {
			t.Fatalf("%v, log %q", err, log.String())
		}
	})
}

func TestDemux(t *testing.T) {
	framed := []byte{1, 0, 0, 0, 0, 0, 0, 3, 'o', 'u', 't', 2, 0, 0, 0, 0, 0, 0, 4, 'e', 'r', 'r', '\n'}
	if got := demux(framed); got != "outerr\n" {
		t.Fatalf("demux = %q", got)
	}
	if got := demux([]byte("plain text output")); got != "plain text output" {
		t.Fatalf("unframed = %q", got)
	}
	if got := demux([]byte{1, 0, 0, 0, 0, 0, 0, 99, 'x'}); got != "x" {
		t.Fatalf("short frame = %q", got)
	}
}

func TestMatchLabels(t *testing.T) {
	have := map[string]string{"a": "1", "b": ""}
	for filters, want := range map[string]bool{"a=1": true, "a=1,b": true, "a=2": false, "c": false, "b=": true, "": true} {
		var fs []string
		if filters != "" {
			fs = strings.Split(filters, ",")
		}
		if got := matchLabels(have, fs); got != want {
			t.Errorf("matchLabels(%q) = %v", filters, got)
		}
	}
}
