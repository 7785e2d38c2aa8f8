//go:build !linux

package wasm

// mapMemory is Linux-only; elsewhere linear memory lives on the Go heap.
func mapMemory(uint64) []byte { return nil }

func unmapMemory([]byte) {}
