// Package signing implements BERTH-HMAC-SHA256, the request-signing scheme
// every API call to the manager uses: canonicalisation, signing on the client
// side and verification on the server side.
//
// The scheme is specified in SIGNING.md; testdata/signing-vectors.json holds
// worked examples that this package must reproduce byte for byte.
//
// This package never logs, never stores secrets and never decides who owns a
// key: the caller supplies key lookup and the replay store.
package signing
