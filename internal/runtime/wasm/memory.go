package wasm

import (
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
// (memory_linux.go): growing never copies, only the pages the module
// writes are resident, and release gives them back to the system at once.
// Elsewhere, or when the mapping fails, it is a Go slice that doubles.
type allocator struct {
	maxBytes uint64
	refused  atomic.Bool
	mapped   [][]byte // mappings to undo in release
}

var _ experimental.MemoryAllocator = (*allocator)(nil)

func newAllocator(memoryMB int) *allocator {
	return &allocator{maxBytes: uint64(memoryMB) << 20}
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(_, maxBytes uint64) experimental.LinearMemory {
	return &linearMemory{a: a, reserve: min(maxBytes, a.maxBytes)}
}

// release unmaps the memory of the allocator's instances. Call it once,
// after InstantiateModule has returned: only then has the module stopped
// running. wazero's Free may come earlier and from another goroutine
// (Runtime.Close closes modules that are still running), so Free leaves
// mappings alone.
func (a *allocator) release() {
	for _, b := range a.mapped {
		unmapMemory(b)
	}
	a.mapped = nil
}

type linearMemory struct {
	a       *allocator
	reserve uint64 // the most this memory may grow to
	started bool
	mapped  []byte // the mapping, when there is one
	buf     []byte
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
		if m.mapped = mapMemory(m.reserve); m.mapped != nil {
			m.a.mapped = append(m.a.mapped, m.mapped)
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
