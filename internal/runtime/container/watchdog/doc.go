// Package watchdog is the small process that runs inside every container
// instance of a berth function (cmd/berth-watchdog is its main). berth
// mounts it read-only into the container and makes it the entrypoint; it
// serves berth over HTTP on a Unix socket in a directory that berth
// bind-mounts into the container, since the container has no network.
//
// # Modes
//
// In exec mode the watchdog runs the function's command once per request
// with the WAGI/CGI contract of the wasm runtime: the request body on stdin,
// the environment berth computed (CGI variables and the function's own),
// a CGI response expected on stdout, stderr kept as the execution's logs.
// In http mode it starts the function's command once, with PORT set, waits
// until 127.0.0.1:PORT accepts connections, and forwards every request to
// it; the server's stdout and stderr are kept as the instance's logs.
//
// # Protocol
//
// Every path berth uses is under /_berth/:
//
//	GET  /_berth/healthz   200 "ok" while the watchdog runs
//	GET  /_berth/readyz    200 and a Status once started and able to serve; 503 before
//	POST /_berth/start     body StartRequest; starts (http) or checks (exec) the command
//	POST /_berth/exec      exec mode: body = EnvBytes bytes of environment, then stdin
//	ANY  <path>            http mode, with X-Berth-Invoke: http: forwarded to the server
//
// A call (exec or forwarded) carries HeaderTimeout, HeaderMaxOutput and
// HeaderMaxLogs, and optionally HeaderExecutionID. The watchdog enforces
// the deadline (it kills the process group in exec mode, abandons the
// upstream request in http mode), caps the output and the logs, and always
// answers 200 with a result envelope: HeaderOutcome says what happened,
// HeaderDetail how, HeaderOutputBytes how many bytes of the body are the
// CGI response (an http-mode answer is converted to one), and the rest of
// the body is the logs. HeaderRetire asks berth to stop the instance.
// Any other status is a protocol error (400 malformed call, 409 started
// with another spec, 503 not started or no longer able to serve).
//
// # What it must never do
//
// The watchdog never listens on a network port, never logs request or
// response bodies, headers or the environment (they carry secrets), never
// lets a command outlive its request in exec mode (it kills the command's
// process group), and never trusts the function: every size it reads from
// the function is capped. It keeps no package-level state.
package watchdog
