package wasm

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/berth-platform/berth"
)

// TestMemoryBudget runs six calls at once that each grow to 500 MiB under a
// 512 MiB limit, with a budget that admits two. The two run; the others
// are refused with ErrBusy once the wait is over, and the process never
// holds much more than the budget. When the calls are over, the memory is
// given back to the system.
//
// BERTH_WASM_RSS_SETTLE=1m also logs the resident memory that long after
// the calls (docs/reliability.md).
func TestMemoryBudget(t *testing.T) {
	const (
		budgetMB = 1100 // two calls of 512 MiB, not three
		limitMB  = 512
		calls    = 6
		// overheadMB is what the process may hold past the budget while the
		// calls run: request and response buffers, goroutine stacks, the
		// race detector's bookkeeping, the GC's slack on what the test
		// itself allocates.
		overheadMB = 160
		// givenBackMB is how far above the baseline the process may stay
		// once the calls are over.
		givenBackMB = 64
	)
	rt := newRuntime(t, Config{MemoryBudgetMB: budgetMB, MemoryWait: 200 * time.Millisecond})
	d := prepared(t, rt, "fn-hold", "hold.wasm")
	base, err := residentMB()
	if err != nil {
		t.Skipf("resident memory cannot be measured here: %v", err)
	}

	peak := make(chan int)
	stop := make(chan struct{})
	go func() { peak <- sampleResident(stop) }()
	type result struct {
		resp *berth.InvokeResponse
		err  error
	}
	results := make(chan result, calls)
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for range calls {
		wg.Go(func() {
			<-begin
			resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{MemoryMB: limitMB, Timeout: time.Minute}))
			results <- result{resp, err}
		})
	}
	close(begin)
	wg.Wait()
	close(stop)
	close(results)
	maxMB := <-peak

	var ok, busy int
	for r := range results {
		switch {
		case r.err == nil && string(r.resp.Body) == "held":
			ok++
		case errors.Is(r.err, berth.ErrBusy) && r.resp == nil:
			busy++
		default:
			t.Errorf("unexpected outcome: %v, %+v", r.err, r.resp)
		}
	}
	if ok != budgetMB/limitMB || busy != calls-ok {
		t.Fatalf("%d calls answered and %d refused as busy, want %d and %d", ok, busy, budgetMB/limitMB, calls-budgetMB/limitMB)
	}
	after, _ := residentMB()
	t.Logf("resident memory: %d MiB before the calls, at most %d MiB during them, %d MiB right after", base, maxMB, after)
	if maxMB > base+budgetMB+overheadMB {
		t.Errorf("resident memory reached %d MiB: over the %d MiB before the calls plus the budget (%d MiB) and %d MiB", maxMB, base, budgetMB, overheadMB)
	}
	if after > base+givenBackMB {
		t.Errorf("resident memory is %d MiB after the calls, %d MiB before: the instances' memory was not given back", after, base)
	}
	if settle, err := time.ParseDuration(os.Getenv("BERTH_WASM_RSS_SETTLE")); err == nil {
		time.Sleep(settle) // a measurement, not synchronisation
		later, _ := residentMB()
		t.Logf("resident memory %s after the calls: %d MiB", settle, later)
	}
}

func TestBudgetReserve(t *testing.T) {
	b := newBudget(100, 50*time.Millisecond)
	ctx := context.Background()
	release, err := b.reserve(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.reserve(ctx, 50); !errors.Is(err, berth.ErrBusy) || !strings.Contains(err.Error(), "50 MiB") {
		t.Fatalf("over the budget: %v, want ErrBusy naming the size", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.reserve(canceled, 50); !errors.Is(err, context.Canceled) {
		t.Fatalf("caller gone: %v, want context.Canceled", err)
	}
	// Room made while a call waits lets it in.
	got := make(chan error, 1)
	b.wait = time.Minute
	go func() {
		r, err := b.reserve(ctx, 50)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Fatalf("after a release: %v", err)
	}
	if !b.sem.TryAcquire(100) {
		t.Fatal("reservations not given back")
	}
}

func TestAutoMemoryBudget(t *testing.T) {
	meminfo := func(kb string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("MemTotal:       " + kb + " kB\nMemFree:         1000 kB\n")}
	}
	tests := []struct {
		name string
		fs   fstest.MapFS
		want int
	}{
		{"HalfOfMachine", fstest.MapFS{"proc/meminfo": meminfo("25165824")}, 12 << 10},
		{"CgroupV2Limit", fstest.MapFS{"proc/meminfo": meminfo("25165824"),
			"sys/fs/cgroup/memory.max": {Data: []byte("4294967296\n")}}, 2 << 10},
		{"CgroupV2NoLimit", fstest.MapFS{"proc/meminfo": meminfo("25165824"),
			"sys/fs/cgroup/memory.max": {Data: []byte("max\n")}}, 12 << 10},
		{"CgroupV1Unlimited", fstest.MapFS{"proc/meminfo": meminfo("25165824"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": {Data: []byte("9223372036854771712\n")}}, 12 << 10},
		{"AtLeastMaxMemory", fstest.MapFS{"proc/meminfo": meminfo("1048576")}, 1024},
		{"Capped", fstest.MapFS{"proc/meminfo": meminfo("1073741824")}, 32 << 10},
		{"Unreadable", fstest.MapFS{}, 2 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AutoMemoryBudgetMB(tt.fs, 1024); got != tt.want {
				t.Fatalf("AutoMemoryBudgetMB = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewRefusesBudgetUnderMaxMemory(t *testing.T) {
	if _, err := New(Config{MemoryBudgetMB: 512, MaxMemoryMB: 1024}); err == nil {
		t.Fatal("a budget smaller than the largest call accepted")
	}
}

// sampleResident reads the resident memory every few milliseconds until
// stop is closed and returns the most it saw, in MiB.
func sampleResident(stop <-chan struct{}) int {
	peak := 0
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		mb, _ := residentMB()
		peak = max(peak, mb)
		select {
		case <-stop:
			mb, _ := residentMB()
			return max(peak, mb)
		case <-tick.C:
		}
	}
}

// residentMB is VmRSS from /proc/self/status, in MiB.
func residentMB() (int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb >> 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}
