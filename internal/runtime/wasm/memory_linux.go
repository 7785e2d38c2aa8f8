//go:build linux

package wasm

import (
	"math"
	"syscall"
)

// mapMemory reserves size bytes of private, zeroed memory outside the Go
// heap. Pages become resident only once written, and unmapMemory hands
// them straight back to the system: no copy when linear memory grows, no
// garbage for the collector, nothing kept after the instance. Nil when the
// mapping fails (the caller then uses the Go heap).
func mapMemory(size uint64) []byte {
	if size == 0 || size > math.MaxInt {
		return nil
	}
	// MAP_NORESERVE: the reservation is address space; only what the
	// module writes is memory, and the budget bounds that.
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return b
}

// unmapMemory releases a mapping made by mapMemory (the slice it returned).
func unmapMemory(b []byte) { _ = syscall.Munmap(b) }
