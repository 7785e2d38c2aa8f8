package recorder

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/berth-platform/berth"
)

// journal keeps every record on disk from the moment it is handed over
// until its batch is in the store, so that a crash or a kill -9 loses no
// record the platform has answered for: the next start writes what the
// journal holds (the store ignores records it already has).
//
// Records are appended as JSON lines to numbered segment files, one
// write(2) per record: the kernel keeps the bytes when the process dies,
// which is what a crash of berth needs (a crash of the machine needs the
// database's own durability, and the journal is not synced for it). A
// segment is removed once every record in it is written. The current one
// is closed and replaced whenever all its records are written, or when it
// holds segmentRecords records (under steady load it may never drain), so
// that segments stay small and short-lived.
type journal struct {
	dir string

	mu      sync.Mutex
	f       *os.File // the current segment; nil until the next append
	seq     uint64   // the current segment's number
	count   int      // records appended to the current segment
	pending map[uint64]int
	buf     []byte
}

const journalExt = ".jsonl"

// segmentRecords is the most records one segment takes.
var segmentRecords = 1000

func segmentName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, journalExt) }

// leftover is what an earlier process left in one segment.
type leftover struct {
	seq     uint64
	records []berth.Execution
	torn    int // lines that do not parse: a write cut short by the crash
}

// openJournal opens dir (creating it, 0700) and reads the segments an
// earlier process left, oldest first. The directory ends 0700 and every
// segment 0600, new or left behind.
func openJournal(dir string) (*journal, []leftover, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("recorder: journal directory: %w", err)
	}
	// Records carry functions' logs and callers: only the owner may list
	// or read them, in a directory an older version made 0755 too.
	if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // G302: a directory needs its x bit; 0700 is owner-only
		return nil, nil, fmt.Errorf("recorder: journal directory: %w", err)
	}
	entries, err := os.ReadDir(dir) // sorted by name: zero-padded numbers, oldest first
	if err != nil {
		return nil, nil, fmt.Errorf("recorder: journal directory: %w", err)
	}
	j := &journal{dir: dir, pending: map[uint64]int{}}
	var left []leftover
	for _, e := range entries {
		name := e.Name()
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, journalExt), 10, 64)
		if !e.Type().IsRegular() || !strings.HasSuffix(name, journalExt) || err != nil {
			continue // not ours
		}
		if err := os.Chmod(filepath.Join(dir, name), 0o600); err != nil {
			return nil, nil, fmt.Errorf("recorder: journal: %w", err)
		}
		lo, err := readSegment(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		lo.seq = seq
		left = append(left, lo)
		j.seq = max(j.seq, seq)
	}
	for _, lo := range left {
		if len(lo.records) == 0 {
			_ = os.Remove(filepath.Join(dir, segmentName(lo.seq)))
			continue
		}
		j.pending[lo.seq] = len(lo.records)
	}
	j.seq++ // new records go to a segment of their own
	return j, left, nil
}

func readSegment(path string) (leftover, error) {
	var lo leftover
	f, err := os.Open(path)
	if err != nil {
		return lo, fmt.Errorf("recorder: journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20) // a record carries its logs
	for sc.Scan() {
		var e berth.Execution
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			lo.torn++
			continue
		}
		lo.records = append(lo.records, e)
	}
	if err := sc.Err(); err != nil {
		return lo, fmt.Errorf("recorder: journal %s: %w", filepath.Base(path), err)
	}
	return lo, nil
}

// append writes e to the current segment and returns its number.
func (j *journal) append(e *berth.Execution) (uint64, error) {
	line, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil && j.count >= segmentRecords {
		_ = j.f.Close() // removed by written once its records are stored
		j.f, j.seq, j.count = nil, j.seq+1, 0
	}
	if j.f == nil {
		f, err := os.OpenFile(filepath.Join(j.dir, segmentName(j.seq)), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return 0, fmt.Errorf("recorder: journal: %w", err)
		}
		j.f = f
	}
	j.buf = append(append(j.buf[:0], line...), '\n')
	if _, err := j.f.Write(j.buf); err != nil {
		// A partial line is skipped at replay; the record stays in memory.
		return 0, fmt.Errorf("recorder: journal: %w", err)
	}
	j.pending[j.seq]++
	j.count++
	return j.seq, nil
}

// written tells the journal that these records (by segment) are in the
// store; segments with nothing left are removed.
func (j *journal) written(segs map[uint64]int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for seq, n := range segs {
		j.pending[seq] -= n
		if j.pending[seq] > 0 {
			continue
		}
		delete(j.pending, seq)
		if seq == j.seq {
			if j.f == nil {
				continue
			}
			_ = j.f.Close()
			j.f, j.seq, j.count = nil, j.seq+1, 0
		}
		_ = os.Remove(filepath.Join(j.dir, segmentName(seq)))
	}
}

// close closes the current segment; what is still pending stays on disk
// for the next start.
func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if j.pending[j.seq] == 0 {
		err = errors.Join(err, ignoreNotExist(os.Remove(filepath.Join(j.dir, segmentName(j.seq)))))
	}
	return err
}

func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
