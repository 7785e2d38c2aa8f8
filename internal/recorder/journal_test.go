package recorder

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/berth-platform/berth"
)

func segments(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"+journalExt))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJournalSurvivesACrash: records handed over while the store is down
// are in the journal; a recorder opened on the same directory after the
// first one is gone (as after a kill -9: no Close) writes every one.
func TestJournalSurvivesACrash(t *testing.T) {
	dir := t.TempDir()
	down := &fakeStore{}
	down.fail.Store(1 << 30)
	r1, err := Open(down, Options{JournalDir: dir, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1200
	for i := range n {
		if err := r1.Record(t.Context(), berth.Execution{ID: "e" + strconv.Itoa(i), FunctionID: "f", Logs: []string{"line " + strconv.Itoa(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	// r1 is abandoned, never closed: it keeps retrying against a store
	// that fails, as a killed process would never write again.
	if len(segments(t, dir)) == 0 {
		t.Fatal("no journal segment on disk after Record")
	}

	up := &fakeStore{}
	r2, err := Open(up, Options{JournalDir: dir, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replay", func() bool { return up.count() == n })
	if err := r2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range up.rows {
		if e.FunctionID != "f" || len(e.Logs) != 1 {
			t.Fatalf("record %s came back altered: %+v", e.ID, e)
		}
		seen[e.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("replayed %d distinct records, want %d", len(seen), n)
	}
	// r1 still owns its segments' file names in memory, but they were
	// replayed and removed by r2; nothing new may be left by r2.
	if left := segments(t, dir); len(left) != 0 {
		t.Fatalf("segments left after the replay: %v", left)
	}
}

// TestJournalTornLine: a line cut short by the crash is skipped; the
// records before it are written.
func TestJournalTornLine(t *testing.T) {
	dir := t.TempDir()
	body := `{"ID":"a","FunctionID":"f"}` + "\n" + `{"ID":"b","FunctionID":"f"}` + "\n" + `{"ID":"c","Func`
	if err := os.WriteFile(filepath.Join(dir, segmentName(7)), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// A file that is not a segment is left alone.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := &fakeStore{}
	r, err := Open(st, Options{JournalDir: dir, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replay", func() bool { return st.count() == 2 })
	// New records go to a newer segment than any found.
	if err := r.Record(t.Context(), berth.Execution{ID: "d"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.count() != 3 {
		t.Fatalf("stored %d records, want a, b and d", st.count())
	}
	if left := segments(t, dir); len(left) != 0 {
		t.Fatalf("segments left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatalf("a file that is not a segment was touched: %v", err)
	}
}

// TestJournalStaysSmall: in normal running, segments are removed as their
// records are stored; a graceful stop leaves none.
func TestJournalStaysSmall(t *testing.T) {
	dir := t.TempDir()
	st := &fakeStore{}
	r, err := Open(st, Options{JournalDir: dir, BatchSize: 50, FlushInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for i := range 2000 {
		if err := r.Record(t.Context(), berth.Execution{ID: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			most = max(most, len(segments(t, dir)))
		}
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.count() != 2000 {
		t.Fatalf("stored %d, want 2000", st.count())
	}
	if left := segments(t, dir); len(left) != 0 {
		t.Fatalf("segments left after Close: %v", left)
	}
	if most > 5 {
		t.Fatalf("up to %d segments at once: written ones are not removed", most)
	}
}

// TestJournalKeepsWhatShutdownCouldNotWrite: when the store is down at
// shutdown, Close gives up but the records stay in the journal for the next
// start.
func TestJournalKeepsWhatShutdownCouldNotWrite(t *testing.T) {
	dir := t.TempDir()
	down := &fakeStore{}
	down.fail.Store(1 << 30)
	r, err := Open(down, Options{JournalDir: dir, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := r.Record(t.Context(), berth.Execution{ID: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); err == nil {
		t.Fatal("Close reported success with the store down")
	}
	st := &fakeStore{}
	r2, err := Open(st, Options{JournalDir: dir, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.count() != 10 {
		t.Fatalf("the next start wrote %d records, want 10", st.count())
	}
}
