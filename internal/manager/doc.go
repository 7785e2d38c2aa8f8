// Package manager is berth's API: accounts, tokens, keypairs, functions,
// API keys, executions, stats and administration, as huma operations on
// net/http. Every authenticated request is checked here — a bearer token
// or a BERTH-HMAC-SHA256 signature — whoever forwarded it.
//
// The manager never logs a secret, a token or a request body, never returns
// a stored secret except once at creation, and maps domain errors to RFC
// 9457 problems in exactly one place (problem.go): operations are
// registered through operation, which passes every handler's error through
// fail, so no handler can forget it.
//
// # Layout
//
// One Manager holds the dependencies every area shares (manager.go: the
// store and its cache, the kv store, the box, the hasher, the clock, the
// log). Each area is a file set with its own registration function, which
// New calls:
//
//	authentication and accounts  auth_ops.go (registerAuth), users_ops.go (registerUsers), lockout.go
//	keypairs                     keypairs_ops.go (registerKeypairs)
//	functions and deployments    functions_ops.go (registerFunctions), deploy.go, deletion.go
//	API keys                     apikeys_ops.go (registerAPIKeys)
//	executions and logs          executions_ops.go (registerExecutions)
//	stats                        stats_ops.go (registerStats)
//	administration               admin_ops.go (registerAdmin)
//	the source system's paths    legacy_ops.go (registerLegacy)
//
// Authentication (authn.go), route facts (routes.go: body limits, streamed
// bodies, metrics labels, declared where a plain route is registered),
// revocation (revoke.go), access rules (access.go), audit (audit.go) and
// request observation (observe.go) serve every area. Invocation is not
// here: internal/invoke serves it, and invoke.go only gives it the
// caller, the verified body and the API's problems — an area added here
// does not touch it.
package manager
