package wasm

import (
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

const (
	pageBytes  = 64 << 10
	pagesPerMB = (1 << 20) / pageBytes
)

// pagesToMB rounds a number of pages up to MiB.
func pagesToMB(pages uint32) uint64 {
	return (uint64(pages) + pagesPerMB - 1) / pagesPerMB
}

// allocator backs the linear memory of one instance and refuses to grow it
// past a cap. A refusal makes memory.grow return -1 inside the module (a
// well-behaved module then fails its allocation) and is remembered, so that
// the module's death can be reported as ErrOutOfMemory instead of a crash.
//
// wazero asks for the allocator per instantiation (through the context), so
// one wazero runtime serves every memory limit.
//
// On Linux the memory is a mapping of the whole cap outside the Go heap
// (memory_linux.go): growing never copies and only the pages the module
// writes are resident. Release zeroes what the instance could have written
// and keeps a small mapping for the next instance (mappings), or gives a
// large one back to the system at once. Elsewhere, or when the mapping
// fails, it is a Go slice that doubles.
type allocator struct {
	maxBytes uint64
	refused  atomic.Bool
	mems     []*linearMemory // memories with a mapping, for release
}

var _ experimental.MemoryAllocator = (*allocator)(nil)

func newAllocator(memoryMB int) *allocator {
	return &allocator{maxBytes: uint64(memoryMB) << 20}
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(_, maxBytes uint64) experimental.LinearMemory {
	return &linearMemory{a: a, reserve: min(maxBytes, a.maxBytes)}
}

// release zeroes the memory of the allocator's instances and gives it to
// the pool (or back to the system). Call it once,
// after InstantiateModule has returned: only then has the module stopped
// running. wazero's Free may come earlier and from another goroutine
// (Runtime.Close closes modules that are still running), so Free leaves
// mappings alone.
func (a *allocator) release() {
	for _, m := range a.mems {
		mappings.put(m.mapped, uint64(len(m.buf)), m.resident)
		m.mapped, m.buf = nil, nil
	}
	a.mems = nil
}

type linearMemory struct {
	a       *allocator
	reserve uint64 // the most this memory may grow to
	started bool
	mapped  []byte // the mapping, when there is one
	// resident is how much of a reused mapping earlier instances left
	// resident (zeroed).
	resident uint64
	buf      []byte
}

// Reallocate grows the memory to size bytes, or returns nil past the cap.
// Linear memory never shrinks, and bytes past len(buf) were never handed
// out, so they are still zero.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.a.maxBytes || size > m.reserve {
		m.a.refused.Store(true)
		return nil
	}
	if !m.started {
		m.started = true
		if m.mapped, m.resident = mappings.get(m.reserve); m.mapped != nil {
			m.a.mems = append(m.a.mems, m)
		}
	}
	if m.mapped != nil {
		m.buf = m.mapped[:size:size]
		return m.buf
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	capacity := min(max(size, 2*uint64(cap(m.buf))), m.reserve)
	grown := make([]byte, size, capacity)
	copy(grown, m.buf)
	m.buf = grown
	return m.buf
}

// Free implements experimental.LinearMemory. A mapping stays until
// allocator.release.
func (m *linearMemory) Free() {
	if m.mapped == nil {
		m.buf = nil
	}
}

// mappings keeps released mappings for the next instances: a fresh
// mapping costs a page fault for every page the module touches and an
// munmap at the end, which is most of what a small module's call costs.
// A kept mapping holds only zeroes (release cleared what the instance
// could have written), so nothing passes from one call to the next. The
// pool is bounded in mappings and in the memory they keep resident.
var mappings = &mappingPool{free: map[uint64][]pooled{}}

const (
	// poolPerSize is the most mappings of one size kept: more than the
	// calls that run at once under load, so that none maps afresh.
	poolPerSize = 256
	// poolMaxUsed is the most of one mapping that may have been used for
	// it to be kept: clearing costs about what it saves past that.
	poolMaxUsed = 8 << 20
	// poolMaxResident bounds the zeroed, resident memory all kept
	// mappings hold.
	poolMaxResident = 64 << 20
)

type mappingPool struct {
	mu       sync.Mutex
	free     map[uint64][]pooled // by mapping size
	resident uint64
}

type pooled struct {
	b        []byte
	resident uint64 // how much of b may be resident: the most any use wrote
}

// get returns a zeroed mapping of size bytes and how much of it may be
// resident, or nil when none can be made.
func (p *mappingPool) get(size uint64) ([]byte, uint64) {
	p.mu.Lock()
	if list := p.free[size]; len(list) > 0 {
		m := list[len(list)-1]
		p.free[size] = list[:len(list)-1]
		p.resident -= m.resident
		p.mu.Unlock()
		return m.b, m.resident
	}
	p.mu.Unlock()
	return mapMemory(size), 0
}

// put takes back a mapping whose first used bytes may have been written
// (and of which earlier uses left up to resident bytes resident, zeroed).
func (p *mappingPool) put(b []byte, used, resident uint64) {
	if len(b) == 0 {
		return
	}
	resident = max(used, resident)
	if resident > poolMaxUsed {
		unmapMemory(b)
		return
	}
	clear(b[:used])
	size := uint64(len(b))
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free[size]) >= poolPerSize || p.resident+resident > poolMaxResident {
		unmapMemory(b)
		return
	}
	p.free[size] = append(p.free[size], pooled{b: b, resident: resident})
	p.resident += resident
}
