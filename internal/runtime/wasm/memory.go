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
type allocator struct {
	maxBytes uint64
	refused  atomic.Bool
}

var _ experimental.MemoryAllocator = (*allocator)(nil)

func newAllocator(memoryMB int) *allocator {
	return &allocator{maxBytes: uint64(memoryMB) << 20}
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(_, _ uint64) experimental.LinearMemory {
	return &linearMemory{a: a}
}

type linearMemory struct {
	a   *allocator
	buf []byte
}

// Reallocate grows the memory to size bytes, or returns nil past the cap.
// Linear memory never shrinks, and bytes past len(buf) were never handed
// out, so they are still zero.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.a.maxBytes {
		m.a.refused.Store(true)
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	capacity := min(max(size, 2*uint64(cap(m.buf))), m.a.maxBytes)
	grown := make([]byte, size, capacity)
	copy(grown, m.buf)
	m.buf = grown
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *linearMemory) Free() { m.buf = nil }
