package wasm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/berth-platform/berth"
)

// Memory budget defaults.
const (
	// DefaultMemoryWait is how long a call waits for room in the memory
	// budget before it is refused with berth.ErrBusy.
	DefaultMemoryWait = 2 * time.Second
	// autoBudgetCapMB caps the automatic budget: past 32 GiB (256 calls of
	// 128 MiB at once) the CPUs, not memory, bound how many calls can run,
	// and a larger reservation only takes memory from the rest of the host.
	autoBudgetCapMB = 32 << 10
	// fallbackMachineMB is assumed when the machine's memory cannot be read
	// (not Linux, no /proc).
	fallbackMachineMB = 4 << 10
)

// budget bounds the linear memory of all the instances alive at once: each
// call reserves its memory limit before it is instantiated and gives it
// back when its instance is gone.
type budget struct {
	sem  *semaphore.Weighted
	mb   int
	wait time.Duration
}

func newBudget(mb int, wait time.Duration) *budget {
	return &budget{sem: semaphore.NewWeighted(int64(mb)), mb: mb, wait: wait}
}

// reserve takes mb MiB from the budget, waiting up to b.wait for calls to
// end. Outcomes: a release func (call it exactly once); an error wrapping
// berth.ErrBusy when there was no room in time; ctx's error when the caller
// gave up first.
func (b *budget) reserve(ctx context.Context, mb int) (func(), error) {
	release := func() { b.sem.Release(int64(mb)) }
	if b.sem.TryAcquire(int64(mb)) {
		return release, nil
	}
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, int64(mb)); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: no room for %d MiB in the memory budget of %d MiB after waiting %s",
			berth.ErrBusy, mb, b.mb, b.wait)
	}
	return release, nil
}

// AutoMemoryBudgetMB is the memory budget used when none is configured:
// half of the memory this process may use (the machine's, or its cgroup's
// limit when lower), at most 32 GiB, and at least maxMemoryMB so that a
// call at the largest allowed limit can always run. fsys is the root file
// system (os.DirFS("/")).
func AutoMemoryBudgetMB(fsys fs.FS, maxMemoryMB int) int {
	return min(max(machineMemoryMB(fsys)/2, maxMemoryMB), autoBudgetCapMB) // maxMemoryMB is at most 4096
}

// machineMemoryMB reads MemTotal from /proc/meminfo and lowers it to the
// cgroup (v2 or v1) memory limit, if one is set.
func machineMemoryMB(fsys fs.FS) int {
	total, err := memTotalMB(fsys)
	if err != nil {
		total = fallbackMachineMB
	}
	for _, name := range []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		limit, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil { // "max": no limit
			continue
		}
		if mb := limit >> 20; mb > 0 && mb < uint64(total) {
			total = int(mb)
		}
	}
	return total
}

func memTotalMB(fsys fs.FS) (int, error) {
	f, err := fsys.Open("proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb < 1024 {
			return 0, fmt.Errorf("proc/meminfo: bad MemTotal %q", rest)
		}
		return int(kb >> 10), nil
	}
	return 0, errors.New("proc/meminfo: no MemTotal")
}
