package recorder

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

// fakeStore is an ExecutionStore built from function fields; only
// AppendExecutions is used by the recorder.
type fakeStore struct {
	berth.ExecutionStore
	mu     sync.Mutex
	rows   []berth.Execution
	fail   atomic.Int32 // fail this many more calls
	calls  atomic.Int32
	delay  time.Duration
	maxLen int
}

func (f *fakeStore) AppendExecutions(_ context.Context, es []berth.Execution) error {
	f.calls.Add(1)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fail.Load() > 0 {
		f.fail.Add(-1)
		return errors.New("database unavailable")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows = append(f.rows, es...)
	f.maxLen = max(f.maxLen, len(es))
	return nil
}

func (f *fakeStore) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rows)
}

func TestNoRecordLost(t *testing.T) {
	st := &fakeStore{delay: time.Millisecond}
	r := New(st, Options{QueueSize: 16, BatchSize: 50, FlushInterval: 5 * time.Millisecond})
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := r.Record(t.Context(), berth.Execution{ID: strconv.Itoa(w) + "-" + strconv.Itoa(i)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := st.count(); got != writers*each {
		t.Fatalf("%d records written, want %d", got, writers*each)
	}
	if st.maxLen > 50 {
		t.Fatalf("a batch of %d exceeds BatchSize", st.maxLen)
	}
	if st.calls.Load() >= writers*each {
		t.Fatalf("%d writes for %d records: not batched", st.calls.Load(), writers*each)
	}
	seen := map[string]bool{}
	for _, e := range st.rows {
		if seen[e.ID] {
			t.Fatalf("record %s written twice", e.ID)
		}
		seen[e.ID] = true
	}
	if err := r.Record(t.Context(), berth.Execution{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Record after Close: %v", err)
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRetriesUntilWritten(t *testing.T) {
	st := &fakeStore{}
	st.fail.Store(3)
	r := New(st, Options{FlushInterval: time.Millisecond})
	for i := range 10 {
		if err := r.Record(t.Context(), berth.Execution{ID: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st.count() != 10 || r.Written() != 10 || r.Failed() != 0 {
		t.Fatalf("written %d (counted %d, failed %d) after transient failures", st.count(), r.Written(), r.Failed())
	}
}

func TestCloseGivesUpOnDeadStore(t *testing.T) {
	st := &fakeStore{}
	st.fail.Store(1 << 30)
	r := New(st, Options{FlushInterval: time.Millisecond})
	_ = r.Record(t.Context(), berth.Execution{ID: "x"})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := r.Close(ctx)
	if err == nil || r.Failed() != 1 {
		t.Fatalf("Close = %v, failed %d; want an error naming the loss", err, r.Failed())
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("Close hung on a dead store")
	}
}

func TestRecordWaitsWhenFull(t *testing.T) {
	st := &fakeStore{delay: 50 * time.Millisecond}
	r := New(st, Options{QueueSize: 1, BatchSize: 1, FlushInterval: time.Millisecond})
	defer r.Close(context.Background())
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		err = r.Record(ctx, berth.Execution{ID: strconv.Itoa(i)})
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a full queue did not make Record wait: %v", err)
	}
}
