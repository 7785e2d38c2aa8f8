// Package kvtest is the one conformance suite every kv.Store passes:
// nonces, counters, GCRA rate limits, values with expiry, and their
// behaviour under concurrency. Implementations call Run from their tests
// against the real backend.
//
// Expiry is checked with short TTLs and polling, never long sleeps, and
// every check can fail: an entry that expires early fails as surely as one
// that never expires. The suite must never depend on one implementation's
// internals, and never print keys or values beyond the fixed test data.
package kvtest
