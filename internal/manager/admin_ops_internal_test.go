package manager

import (
	"strconv"
	"testing"
	"time"
)

func TestErrorRing(t *testing.T) {
	r := newErrorRing(3)
	if got := r.recent(10); len(got) != 0 {
		t.Fatalf("empty ring: %v", got)
	}
	for i := range 5 {
		r.add(APIError{RequestID: strconv.Itoa(i)})
	}
	got := r.recent(10)
	if len(got) != 3 || got[0].RequestID != "4" || got[1].RequestID != "3" || got[2].RequestID != "2" {
		t.Fatalf("recent = %+v, want 4, 3, 2", got)
	}
	if got := r.recent(1); len(got) != 1 || got[0].RequestID != "4" {
		t.Fatalf("recent(1) = %+v", got)
	}
}

func TestLoadWindow(t *testing.T) {
	var w loadWindow
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 90 { // one call a second for 90 s, every third failing
		w.add(t0.Add(time.Duration(i)*time.Second), i%3 == 0)
	}
	now := t0.Add(89 * time.Second)
	if calls, failed := w.totals(now); calls != 60 || failed != 20 {
		t.Fatalf("last minute: %d calls, %d failed; want 60, 20", calls, failed)
	}
	if calls, _ := w.totals(now.Add(10 * time.Minute)); calls != 0 {
		t.Fatalf("ten minutes later: %d calls, want 0", calls)
	}
}
