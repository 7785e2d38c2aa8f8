// Package reliability holds berth's reliability suite: tests that run the
// real berth binary as a separate process against real PostgreSQL, Redis
// and Podman, and check what a user of the platform sees when things go
// wrong — a database or Redis that stops mid-load, a kill -9 during a
// deploy or during calls, functions and clients that misbehave on purpose,
// and long runs of mixed traffic.
//
// The package has no code of its own beyond its tests. `go test ./...`
// (and so `make test`) runs it in a short mode sized for CI;
// BERTH_RELIABILITY=full (`make reliability`) runs the long mode: a ten
// minute soak and longer outages. docs/reliability.md says what each test
// proves and lists the latest numbers.
//
// The suite never stops or reconfigures the machine's shared services:
// the chaos tests start private redis-server and PostgreSQL instances on
// free loopback ports and stop those. Every process it starts is stopped
// when its test ends, and every container it causes is removed.
package reliability
