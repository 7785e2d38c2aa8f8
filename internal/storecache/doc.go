// Package storecache keeps the lookups of the request path — credentials
// and the functions they call — in memory, and drops them on every replica
// when the store changes.
//
// Every replica wraps its berth.Store in a Store. Each write through it
// (anything but the listed reads and the quiet writes, such as last-use
// touches and execution records) moves a Generation: locally at once, and
// in the shared kv store (Redis when there are replicas) as a fresh random
// value that every replica reads every PollInterval. A cached entry is
// used only while the generation it was read under is still current, the
// shared value was read within MaxLag, and the entry is younger than
// MaxAge — so a revoked key, a blocked user or a changed function is
// refused or seen everywhere within a second, even when one replica cannot
// reach Redis for a while (it then stops trusting its cache, and the
// bump it could not publish is retried until it lands).
//
// The cached reads have their own names (CachedKeypairOwner, …): a caller
// chooses the cache where a request's latency matters, and every other
// read goes to the store.
package storecache
