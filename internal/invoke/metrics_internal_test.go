package invoke

import (
	"testing"
	"time"
)

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
