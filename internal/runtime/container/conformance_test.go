package container

import (
	"testing"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/artefact"
	"github.com/berth-platform/berth/internal/runtime/runtimetest"
)

func fixture(path string) runtimetest.Fixture {
	return runtimetest.Fixture{Path: path, ContentType: artefact.MediaTypeGzip}
}

// failingContext's Containerfile copies a file the context lacks.
func failingContext(t testing.TB) string {
	return buildContext(t, "failing",
		file{name: "Containerfile", body: []byte("FROM scratch\nCOPY missing-file /missing\n")})
}

func suiteRuntime(t *testing.T) berth.Runtime { return newRuntime(t, nil) }

func TestConformanceExec(t *testing.T) {
	setup(t)
	runtimetest.Run(t, suiteRuntime, runtimetest.Fixtures{
		Echo:        fixture(fnContext(t, "exec", "/fn", "echo")),
		Loop:        fixture(fnContext(t, "exec", "/fn", "loop")),
		Flood:       fixture(fnContext(t, "exec", "/fn", "flood")),
		BadResponse: fixture(fnContext(t, "exec", "/fn", "badresponse")),
		Crash:       fixture(fnContext(t, "exec", "/fn", "crash")),
		Hog:         fixture(fnContext(t, "exec", "/fn", "hog")),
		Invalid:     fixture(failingContext(t)),
	})
}

func TestConformanceHTTP(t *testing.T) {
	setup(t)
	runtimetest.Run(t, suiteRuntime, runtimetest.Fixtures{
		Echo:        fixture(fnContext(t, "http", "/fn", "serve")),
		Loop:        fixture(fnContext(t, "http", "/fn", "serve", "loop")),
		Flood:       fixture(fnContext(t, "http", "/fn", "serve", "flood")),
		BadResponse: fixture(fnContext(t, "http", "/fn", "serve", "badresponse")),
		Crash:       fixture(fnContext(t, "http", "/fn", "serve", "crash")),
		Hog:         fixture(fnContext(t, "http", "/fn", "serve", "hog")),
		Invalid:     fixture(failingContext(t)),
	})
}
