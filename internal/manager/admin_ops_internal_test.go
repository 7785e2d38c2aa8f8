package manager

import (
	"strconv"
	"testing"
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
