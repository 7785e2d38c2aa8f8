// Package problem builds the RFC 9457 problems berth answers with: one
// type URN per code (docs/api.md lists them), the HTTP status's text as the
// title, and a detail that says what happened and what to do next.
//
// Building a problem is shared; mapping domain errors to problems stays in
// one place, the manager's fail (internal/manager/problem.go), which every
// handler's error passes through.
package problem
