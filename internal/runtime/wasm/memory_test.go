package wasm

import (
	"context"
	"runtime"
	"testing"

	"github.com/berth-platform/berth"
)

// pooledCount is how many mappings the pool keeps now.
func pooledCount() int {
	mappings.mu.Lock()
	defer mappings.mu.Unlock()
	n := 0
	for _, l := range mappings.free {
		n += len(l)
	}
	return n
}

// TestReusedMemoryIsZeroed: a call's linear memory goes back to the pool
// and the next call gets it, zeroed — including the page it grew.
func TestReusedMemoryIsZeroed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mappings (and the pool) are Linux-only")
	}
	rt := newRuntime(t, Config{})
	d := prepared(t, rt, "fn-residue", "residue.wasm")
	for i := range 3 {
		before := pooledCount()
		resp, err := rt.Invoke(context.Background(), d, get(berth.Limits{MemoryMB: 16}))
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "clean" {
			t.Fatalf("call %d saw memory an earlier call wrote: %q", i, resp.Body)
		}
		if i > 0 && pooledCount() != before {
			t.Fatalf("call %d: %d kept mappings before, %d after; want the same one taken and given back", i, before, pooledCount())
		}
		if pooledCount() == 0 {
			t.Fatalf("call %d: its mapping was not kept for the next call", i)
		}
	}
}

// TestPoolBounds: a mapping of which much was used is not kept, and the
// pool keeps at most poolPerSize of one size.
func TestPoolBounds(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mappings are Linux-only")
	}
	const size = 3 << 20 // a size no other test uses
	b, _ := mappings.get(size)
	if b == nil {
		t.Fatal("no mapping")
	}
	b[100] = 1
	mappings.put(b, poolMaxUsed+pageBytes, 0)
	mappings.mu.Lock()
	kept := len(mappings.free[size])
	mappings.mu.Unlock()
	if kept != 0 {
		t.Fatal("a mapping used past poolMaxUsed was kept")
	}
	var got [][]byte
	for range poolPerSize + 3 {
		m, _ := mappings.get(size)
		got = append(got, m)
	}
	for _, m := range got {
		m[0] = 7
		mappings.put(m, pageBytes, 0)
	}
	mappings.mu.Lock()
	kept = len(mappings.free[size])
	list := mappings.free[size]
	mappings.mu.Unlock()
	if kept != poolPerSize {
		t.Fatalf("%d mappings of one size kept, want %d", kept, poolPerSize)
	}
	for _, m := range list {
		if m.b[0] != 0 {
			t.Fatal("a kept mapping was not zeroed")
		}
	}
}
