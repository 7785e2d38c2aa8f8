package main

import (
	"bytes"
	"context"
	"maps"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a child has between SIGTERM and SIGKILL.
const stopGrace = 5 * time.Second

// cleanups hold what the bench must undo however it ends: the process
// groups it started and the containers it made. What is registered is
// undone by its owner when done (a defer), or by runAll when the bench
// ends early (a signal) — exactly once either way.
type cleanups struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

// add registers fn and returns the function that runs it once and
// forgets it.
func (c *cleanups) add(fn func()) func() {
	var once sync.Once
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = map[int]func(){}
	}
	id := c.next
	c.next++
	run := func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.fns, id)
			c.mu.Unlock()
			fn()
		})
	}
	c.fns[id] = run
	return run
}

// runAll runs every cleanup not yet run, the latest first.
func (c *cleanups) runAll() {
	c.mu.Lock()
	ids := slices.Sorted(maps.Keys(c.fns))
	runs := make([]func(), 0, len(ids))
	for _, id := range slices.Backward(ids) {
		runs = append(runs, c.fns[id])
	}
	c.mu.Unlock()
	for _, run := range runs {
		run()
	}
}

// A proc is a child of the bench in a process group of its own, so that
// stopping it ends what it started too: nginx's workers, the compilers
// `go build` runs, the binary `go test` runs.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the child is reaped
	err  error         // cmd.Wait's, once done
	stop func() error
}

// startProc starts cmd in its own process group and registers its stop
// with cl. deathSig is what the kernel sends the child if the bench dies
// without stopping it (Linux only): SIGKILL, unless the child must take
// its own children down first, as nginx's master does on SIGTERM.
func startProc(cl *cleanups, cmd *exec.Cmd, deathSig syscall.Signal) (*proc, error) {
	cmd.SysProcAttr = procAttr(deathSig)
	cmd.WaitDelay = stopGrace
	p := &proc{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal follows the thread that started the
		// child, not the process (go.dev/issue/27505): hold this thread
		// until the child is reaped, so the runtime never retires it.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	var stopErr error
	run := cl.add(func() { stopErr = p.end() })
	p.stop = func() error { run(); return stopErr }
	return p, nil
}

// pgid is the child's process group.
func (p *proc) pgid() int { return p.cmd.Process.Pid }

// end sends the group SIGTERM, then SIGKILL to whatever of it is left
// after stopGrace, and returns once the child is reaped. The group is
// killed even when the child is gone: a child that died on its own may
// leave children behind. (Its number is not handed out again so soon:
// Linux allocates pids cyclically.)
func (p *proc) end() error {
	_ = syscall.Kill(-p.pgid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-p.pgid(), syscall.SIGKILL)
	<-p.done
	return p.err
}

// runProc runs cmd to completion as a proc, and stops its group early
// when ctx ends.
func runProc(ctx context.Context, cl *cleanups, cmd *exec.Cmd) error {
	p, err := startProc(cl, cmd, syscall.SIGKILL)
	if err != nil {
		return err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
	}
	err = p.stop()
	if ctx.Err() != nil {
		return ctx.Err() // the cause of the kill
	}
	return err
}

// combinedOutput is runProc with stdout and stderr collected together.
func combinedOutput(ctx context.Context, cl *cleanups, cmd *exec.Cmd) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := runProc(ctx, cl, cmd)
	return buf.Bytes(), err
}
