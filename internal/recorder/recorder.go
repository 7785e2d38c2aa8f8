// Package recorder writes execution records in batches, off the
// invocation's path: an invocation hands its record over and returns; a
// single writer flushes batches to the store. A record handed over is never
// dropped: when the queue is full the caller waits, failed batches are
// retried, and Close flushes what is left. With a journal (Open with
// JournalDir), a record is also on disk before Record returns, until it is
// in the store: a crash or a kill -9 loses none, and the next start writes
// them.
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
	// JournalDir, with Open, keeps every record on disk until it is in the
	// store (see journal).
	JournalDir string
}

// item is a queued record and the journal segment that holds it (0: none).
type item struct {
	e   berth.Execution
	seg uint64
}

// Recorder batches executions into a berth.ExecutionStore.
type Recorder struct {
	store         berth.ExecutionStore
	opts          Options
	log           *slog.Logger
	queue         chan item
	journal       *journal
	left          []leftover // records a crash left in the journal, written first
	done          chan struct{}
	closing       chan struct{}
	once          sync.Once
	giveUp        sync.Once
	written       atomic.Int64
	journalWarned atomic.Int64 // Unix seconds of the last journal error logged
	failed        atomic.Int64
	mu            sync.RWMutex // held for reading by Record, for writing by Close
	closed        bool
}

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("recorder: closed")

// New starts a Recorder's writer, without a journal.
func New(store berth.ExecutionStore, o Options) *Recorder {
	o.JournalDir = ""
	r, _ := Open(store, o)
	return r
}

// Open starts a Recorder's writer with the journal in o.JournalDir (when
// set): records an earlier process left there are written first.
func Open(store berth.ExecutionStore, o Options) (*Recorder, error) {
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
	r := &Recorder{store: store, opts: o, log: o.Logger, queue: make(chan item, o.QueueSize),
		done: make(chan struct{}), closing: make(chan struct{})}
	if o.JournalDir != "" {
		j, left, err := openJournal(o.JournalDir)
		if err != nil {
			return nil, err
		}
		r.journal, r.left = j, left
		n, torn := 0, 0
		for _, lo := range left {
			n, torn = n+len(lo.records), torn+lo.torn
		}
		if n+torn > 0 {
			r.log.Warn("execution records left by an earlier stop are written now", "event", "recorder_replay",
				"count", n, "unreadable", torn)
		}
	}
	go r.run()
	return r, nil
}

// Record hands e to the writer, after appending it to the journal when
// there is one. It waits when the queue is full (until ctx ends), so that
// no record is dropped under load. A journal that cannot be written (a
// full disk) is logged; the record is still queued.
func (r *Recorder) Record(ctx context.Context, e berth.Execution) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	it := item{e: e}
	if r.journal != nil {
		seg, err := r.journal.append(&e)
		if err != nil {
			r.journalFailed(err)
		}
		it.seg = seg
	}
	select {
	case r.queue <- it:
		return nil
	default:
	}
	select {
	case r.queue <- it:
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

// journalFailed logs a journal write error, at most once a minute.
func (r *Recorder) journalFailed(err error) {
	now := time.Now().Unix()
	if last := r.journalWarned.Load(); now-last < 60 || !r.journalWarned.CompareAndSwap(last, now) {
		return
	}
	r.log.Error("execution journal not written: records wait in memory only until they are stored",
		"event", "recorder_journal", "error", err)
}

// batch is the records of one write and their journal segments.
type batch struct {
	records []berth.Execution
	segs    map[uint64]int
}

func (b *batch) add(it item) {
	b.records = append(b.records, it.e)
	if it.seg != 0 {
		b.segs[it.seg]++
	}
}

func (b *batch) reset() {
	b.records = b.records[:0]
	clear(b.segs)
}

func (r *Recorder) run() {
	defer close(r.done)
	if r.journal != nil {
		defer func() {
			if err := r.journal.close(); err != nil {
				r.log.Warn("execution journal not closed", "event", "recorder_journal", "error", err)
			}
		}()
	}
	b := &batch{records: make([]berth.Execution, 0, r.opts.BatchSize), segs: map[uint64]int{}}
	for _, lo := range r.left {
		for _, e := range lo.records {
			b.add(item{e: e, seg: lo.seq})
			if len(b.records) >= r.opts.BatchSize {
				r.flush(b)
			}
		}
	}
	r.flush(b)
	r.left = nil
	t := time.NewTicker(r.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case it, ok := <-r.queue:
			if !ok {
				r.flush(b)
				return
			}
			b.add(it)
			if len(b.records) >= r.opts.BatchSize {
				r.flush(b)
			}
		case <-t.C:
			r.flush(b)
		}
	}
}

// flush writes b, retrying with back-off until it is written or Close
// gives up, and empties it.
func (r *Recorder) flush(b *batch) {
	defer b.reset()
	batch := b.records
	if len(batch) == 0 {
		return
	}
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.store.AppendExecutions(ctx, batch)
		cancel()
		if err == nil {
			r.written.Add(int64(len(batch)))
			if r.journal != nil {
				r.journal.written(b.segs)
			}
			return
		}
		r.log.Warn("execution records not written; retrying", "event", "recorder_retry",
			"count", len(batch), "attempt", attempt, "error", err)
		select {
		case <-time.After(backoff):
		case <-r.closing:
			if attempt >= 3 { // Close gave up waiting: so does every batch left
				r.failed.Add(int64(len(batch)))
				if r.journal != nil && len(b.segs) > 0 {
					r.log.Error("execution records not written at shutdown: they stay in the journal and are written at the next start",
						"event", "recorder_deferred", "count", len(batch), "error", err)
					return
				}
				r.log.Error("execution records lost at shutdown: the store did not accept them",
					"event", "recorder_lost", "count", len(batch), "error", err)
				return
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
