// Package redis is the kv.Store that berth replicas share: nonces, counters
// and rate limits live in one Redis (or a compatible server, version 5 or
// later) under a key prefix, so a nonce claimed on one replica is spent on
// all of them.
//
// Counters and rate limits run as Lua scripts, so each call is one atomic
// round trip. The rate limiter reads the clock with Redis TIME inside its
// script: every replica then measures against one clock, and a skewed host
// clock can neither loosen nor tighten a limit.
//
// Every error caused by Redis being unreachable or not serving (refused or
// dropped connections, timeouts, LOADING, READONLY, …) wraps
// berth.ErrUnavailable. Timeouts are short (one second by default) so that
// a dead Redis fails a request quickly instead of hanging it.
//
// It must never log keys or values nor put them in errors (keys may carry
// e-mail addresses, values sealed secrets), never echo the Redis URL (it may
// carry a password), and never touch a key outside its prefix.
package redis
