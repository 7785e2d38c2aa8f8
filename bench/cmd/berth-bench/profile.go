package main

import (
	"fmt"
	"log"
	"os"
	"runtime/pprof"
)

// profileInvoke is the part of the functions section that -cpuprofile-section
// invoke profiles: the invocation runs (GET /health, direct wazero and
// signed POST /invoke on each backend), without the builds and the Go
// example's deploy and restart, whose compilation would crowd the profile.
const profileInvoke = "invoke"

// A profiler writes a Go CPU profile of one part of the run: all of it
// ("all"), a section, or profileInvoke.
type profiler struct {
	path string // empty: no profile
	part string
}

// around runs fn, under the CPU profile if part is the one to profile.
func (p profiler) around(part string, fn func() error) error {
	if p.path == "" || part != p.part {
		return fn()
	}
	f, err := os.Create(p.path)
	if err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	err = fn()
	pprof.StopCPUProfile()
	if cerr := f.Close(); cerr != nil {
		log.Printf("berth-bench: -cpuprofile: %v", cerr)
	} else {
		log.Printf("CPU profile of %s in %s: go tool pprof -top %s", part, p.path, p.path)
	}
	return err
}
