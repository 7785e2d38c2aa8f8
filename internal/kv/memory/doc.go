// Package memory is the in-process kv.Store: a sharded map guarded by
// mutexes, with lazy expiry on every access and a janitor goroutine that
// sweeps expired keys until Close. It suits one berth process; replicas
// that must share nonces, counters and limits use kv/redis instead.
//
// Times come from the monotonic clock, so a wall-clock step never expires
// or revives a key. The store never blocks, so it ignores contexts.
//
// It must never log, print or put keys or values in errors (keys may carry
// e-mail addresses, values sealed secrets), never hand out a slice it keeps,
// and never leave its janitor running after Close.
package memory
