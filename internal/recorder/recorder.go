// Package recorder writes execution records in batches, off the
// invocation's path: an invocation hands its record over and returns; a
// single writer flushes batches to the store. A record handed over is never
// dropped: when the queue is full the caller waits, failed batches are
// retried, and Close flushes what is left.
//
// The recorder never logs a record's logs or errors' text beyond counts:
// function logs may carry the function's secrets.
package recorder

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-platform/berth"
)

// Options tune a Recorder; zero fields take the defaults.
type Options struct {
	// QueueSize is how many records may wait (default 10 000).
	QueueSize int
	// BatchSize is the most records one write carries (default 500).
	BatchSize int
	// FlushInterval is the longest a record waits for a write (default 100 ms).
	FlushInterval time.Duration
	Logger        *slog.Logger
	// OnWritten, when set, is called after each successful batch write
	// (for roll-ups and metrics).
	OnWritten func(batch []berth.Execution)
}

// Recorder batches executions into a berth.ExecutionStore.
type Recorder struct {
	store   berth.ExecutionStore
	opts    Options
	log     *slog.Logger
	queue   chan berth.Execution
	done    chan struct{}
	closing chan struct{}
	once    sync.Once
	giveUp  sync.Once
	written atomic.Int64
	failed  atomic.Int64
	mu      sync.RWMutex // held for reading by Record, for writing by Close
	closed  bool
}

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("recorder: closed")

// New starts a Recorder's writer.
func New(store berth.ExecutionStore, o Options) *Recorder {
	if o.QueueSize <= 0 {
		o.QueueSize = 10000
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 100 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{store: store, opts: o, log: o.Logger, queue: make(chan berth.Execution, o.QueueSize),
		done: make(chan struct{}), closing: make(chan struct{})}
	go r.run()
	return r
}

// Record hands e to the writer. It waits when the queue is full (until ctx
// ends), so that no record is dropped under load.
func (r *Recorder) Record(ctx context.Context, e berth.Execution) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	select {
	case r.queue <- e:
		return nil
	default:
	}
	select {
	case r.queue <- e:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pending is the number of records waiting to be written.
func (r *Recorder) Pending() int { return len(r.queue) }

// Written and Failed count records written, and records given up on at Close.
func (r *Recorder) Written() int64 { return r.written.Load() }

// Failed counts records that could not be written before Close's deadline.
func (r *Recorder) Failed() int64 { return r.failed.Load() }

func (r *Recorder) run() {
	defer close(r.done)
	batch := make([]berth.Execution, 0, r.opts.BatchSize)
	t := time.NewTicker(r.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case e, ok := <-r.queue:
			if !ok {
				r.flush(batch, true)
				return
			}
			batch = append(batch, e)
			if len(batch) >= r.opts.BatchSize {
				batch = r.flush(batch, false)
			}
		case <-t.C:
			batch = r.flush(batch, false)
		}
	}
}

// flush writes batch, retrying with back-off until it is written or, when
// final, until Close gives up. It returns the emptied batch.
func (r *Recorder) flush(batch []berth.Execution, final bool) []berth.Execution {
	if len(batch) == 0 {
		return batch
	}
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.store.AppendExecutions(ctx, batch)
		cancel()
		if err == nil {
			r.written.Add(int64(len(batch)))
			if r.opts.OnWritten != nil {
				r.opts.OnWritten(batch)
			}
			return batch[:0]
		}
		r.log.Warn("execution records not written; retrying", "event", "recorder_retry",
			"count", len(batch), "attempt", attempt, "error", err)
		select {
		case <-time.After(backoff):
		case <-r.closing:
			if final && attempt >= 3 {
				r.failed.Add(int64(len(batch)))
				r.log.Error("execution records lost at shutdown: the store did not accept them",
					"event", "recorder_lost", "count", len(batch), "error", err)
				return batch[:0]
			}
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Close stops accepting records and waits until every queued record is
// written, or ctx ends (then it gives up after three more attempts).
func (r *Recorder) Close(ctx context.Context) error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		close(r.queue)
		r.mu.Unlock()
	})
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.giveUp.Do(func() { close(r.closing) })
		<-r.done
		if n := r.failed.Load(); n > 0 {
			return errors.New("recorder: some execution records could not be written before shutdown")
		}
		return nil
	}
}
