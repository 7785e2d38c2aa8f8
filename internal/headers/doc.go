// Package headers holds berth's header hygiene, used wherever a request or
// an answer crosses a trust boundary (the webserver's proxy, the manager's
// hand-off to a function and back): which headers are hop-by-hop, and
// which are the platform's own X-Berth-* in any spelling. It is the one
// place these lists live.
package headers
