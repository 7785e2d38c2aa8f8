// Package invoke runs a function for an HTTP request: POST
// /api/functions/{id}/invoke and /fn/{id}/… are served by an Invoker.
//
// An Invoker holds only what a call needs — the function, deployment and
// secret lookups (cached on the request path), the runtimes, the response
// limit, the execution recorder and the function metrics — and is built
// and tested without the rest of the server. The manager gives it three
// things it must not decide itself: who the caller is (Authorize), the
// request body, read once under the invocation limit and checked against
// the request's signature (Body: the one place a 413 comes from), and the
// API's mapping of errors to problems (Answers). The runtime gets the body
// as bytes.
//
// Once the caller may call the function, the body is read and checked
// first — a signed call's nonce is spent before the function's state can
// refuse it, so a refused call cannot be replayed to run later — and from
// there every call is recorded before its answer leaves: a refusal (over
// the body limit, a body that does not match its signature, not deployed,
// busy) as a rejected execution with the status it was answered with.
// What a function answers passes through copyFunctionHeaders, which keeps
// it from acting on the platform's origin: no origin-wide headers, no
// X-Berth-* headers, cookies only under the function's own path.
package invoke
