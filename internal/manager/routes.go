package manager

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/graphql"
)

// routeFacts are what authentication and metrics must know of a plain
// route, declared where it is registered — never guessed from the URL.
type routeFacts struct {
	// endpoint and operation label the route's metrics and log lines.
	endpoint, operation string
	// bodyLimit caps a signed request's body, which authentication reads
	// and checks before the handler runs; 0 means MaxJSONBody.
	bodyLimit int64
	// stream: the handler receives the signed body itself, so
	// authentication checks only the signature. The handler cannot act on
	// the body unchecked: an upload needs the verifiedUpload that only
	// verifyUpload makes, and an invocation gets its body only from
	// invokeBody, which reads it under the limit and checks it.
	stream bool
}

// handle registers a plain route with its facts.
func (m *Manager) handle(mux *http.ServeMux, pattern string, facts routeFacts, h http.HandlerFunc) {
	m.routes[pattern] = facts
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		markRoute(r.Context(), facts.endpoint, facts.operation)
		h(w, r)
	})
}

// factsOf returns the facts of the route r goes to, by the pattern observe
// looked up; huma operations and unknown paths have none (zero facts: a
// JSON body under MaxJSONBody, which fails closed for an upload).
func (m *Manager) factsOf(r *http.Request) routeFacts {
	var pattern string
	if info := infoFrom(r.Context()); info != nil {
		pattern = info.pattern
	}
	return m.routes[pattern]
}

// registerPlainRoutes adds the endpoints that stream bodies or answer with
// the function's own response, which huma's typed operations do not fit,
// and describes them in the OpenAPI document.
func (m *Manager) registerPlainRoutes(mux *http.ServeMux) {
	invoke := routeFacts{endpoint: "/api/functions/{id}/invoke", operation: "invoke", bodyLimit: m.fn.MaxInvokeBodyBytes, stream: true}
	trigger := routeFacts{endpoint: "/fn/{id}/{path...}", operation: "trigger", bodyLimit: m.fn.MaxInvokeBodyBytes, stream: true}
	m.handle(mux, "POST /api/functions/{id}/deploy", routeFacts{endpoint: "/api/functions/{id}/deploy", operation: "deploy", stream: true}, m.deploy)
	m.handle(mux, "POST /api/functions/{id}/invoke", invoke, m.invokeAPI)
	m.handle(mux, "GET /api/functions/{id}/logs", routeFacts{endpoint: "/api/functions/{id}/logs", operation: "function-logs"}, m.logs)
	m.handle(mux, "GET /api/admin/logs", routeFacts{endpoint: "/api/admin/logs", operation: "admin-logs"}, m.systemLogs)
	m.handle(mux, "/fn/{id}/{path...}", trigger, m.trigger)
	m.handle(mux, "/fn/{id}", trigger, m.trigger)
	ext := routeFacts{endpoint: "/api/ext/{id}/{path...}", operation: "ext-proxy", bodyLimit: m.fn.MaxInvokeBodyBytes}
	m.handle(mux, "/api/ext/{id}/{path...}", ext, m.ext)
	m.handle(mux, "/api/ext/{id}", ext, m.ext)
	m.handle(mux, "GET /.well-known/berth/jwks.json", routeFacts{endpoint: "/.well-known/berth/jwks.json", operation: "assertion-keys"}, m.jwks)
	m.handle(mux, "POST /api/auth/oidc/{provider}/backchannel-logout",
		routeFacts{endpoint: "/api/auth/oidc/{provider}/backchannel-logout", operation: "sso-backchannel-logout"}, m.backchannelLogout)
	gql := graphql.Handler(&graphql.Resolver{Store: m.store, Now: m.now, User: func(ctx context.Context) *berth.User {
		if p := PrincipalFrom(ctx); p != nil {
			return p.User
		}
		return nil
	}, Recheck: func(ctx context.Context) error { return m.recheck(ctx, PrincipalFrom(ctx)) }, RecheckEvery: RecheckInterval,
		Internal: func(ctx context.Context, err error) string {
			var em *huma.ErrorModel
			if errors.As(m.fail(ctx, err), &em) {
				return em.Detail
			}
			return "an internal error occurred"
		}})
	m.handle(mux, "/api/graphql", routeFacts{endpoint: "/api/graphql", operation: "graphql"}, func(w http.ResponseWriter, r *http.Request) {
		if p := PrincipalFrom(r.Context()); p == nil || p.User == nil {
			m.refuse(w, r, unauthorized("authentication required: GraphQL takes the same credentials as the REST API"))
			return
		}
		gql.ServeHTTP(w, r)
	})

	oa := m.api.OpenAPI()
	id := &huma.Param{Name: "id", In: "path", Required: true, Description: "The function's id (a UUID).", Schema: &huma.Schema{Type: "string"}}
	problemResp := &huma.Response{Description: "An RFC 9457 problem.", Content: map[string]*huma.MediaType{"application/problem+json": {}}}
	binary := &huma.Schema{Type: "string", Format: "binary"}
	oa.AddOperation(&huma.Operation{
		OperationID: "deploy", Method: http.MethodPost, Path: "/api/functions/{id}/deploy", Tags: []string{"functions"},
		Summary: "Upload an artefact as the next version and activate it",
		Description: "The body is the raw artefact: application/wasm for a module, application/gzip (.tar.gz) or application/zip " +
			"for an archive holding a module and an optional berth.toml. It is streamed to disk under functions.max_artefact_bytes, " +
			"hashed, validated and compiled; a failed deploy is recorded as a failed version and leaves the active version unchanged.",
		Security:    authenticated,
		Parameters:  []*huma.Param{id},
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/wasm": {Schema: binary}, "application/gzip": {Schema: binary}, "application/zip": {Schema: binary}}},
		Responses: map[string]*huma.Response{"201": {Description: "Deployed and active: {deployment, function}."},
			"413": problemResp, "415": problemResp, "422": problemResp, "default": problemResp},
	})
	invokeDoc := "The function receives the body, method, query and headers (credentials, cookies and X-Berth-* headers removed) " +
		"and answers with its own status, headers and body. Allowed with the owner's credentials, a BERTH-HMAC-SHA256 signature " +
		"made with one of the function's API keys, or nothing for a public function. Every answer carries X-Berth-Execution-Id."
	oa.AddOperation(&huma.Operation{
		OperationID: "invoke", Method: http.MethodPost, Path: "/api/functions/{id}/invoke", Tags: []string{"invoke"},
		Summary: "Call a function", Description: invokeDoc, Parameters: []*huma.Param{id},
		RequestBody: &huma.RequestBody{Content: map[string]*huma.MediaType{"*/*": {Schema: binary}}},
		Responses: map[string]*huma.Response{"200": {Description: "The function's answer (any status)."},
			"401": problemResp, "404": problemResp, "409": problemResp, "410": problemResp, "413": problemResp,
			"429": problemResp, "502": problemResp, "504": problemResp},
	})
	oa.AddOperation(&huma.Operation{
		OperationID: "trigger", Method: http.MethodGet, Path: "/fn/{id}/{path}", Tags: []string{"invoke"},
		Summary:     "HTTP trigger: any method on /fn/{id}/… reaches the function",
		Description: invokeDoc + " The function sees the method and the sub-path in PATH_INFO.",
		Parameters: []*huma.Param{id, {Name: "path", In: "path", Required: true, Description: "The sub-path the function sees in PATH_INFO.",
			Schema: &huma.Schema{Type: "string"}}},
		Responses: map[string]*huma.Response{"200": {Description: "The function's answer (any status)."}, "default": problemResp},
	})
	oa.AddOperation(&huma.Operation{
		OperationID: "graphql", Method: http.MethodPost, Path: "/api/graphql", Tags: []string{"graphql"},
		Summary: "GraphQL: read-only queries (me, functions with deployments, executions and API keys) and a logs subscription",
		Description: "The schema is internal/graphql/schema.graphqls (introspection is on). Same credentials and rules as REST; " +
			"a request the webserver signs for a browser session also carries X-Berth-Token. Subscriptions use WebSockets (graphql-transport-ws).",
		Security:    authenticated,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/json": {}}},
		Responses:   map[string]*huma.Response{"200": {Description: "A GraphQL response."}, "default": problemResp},
	})
	oa.AddOperation(&huma.Operation{
		OperationID: "sso-backchannel-logout", Method: http.MethodPost, Path: "/api/auth/oidc/{provider}/backchannel-logout", Tags: []string{"auth"},
		Summary: "OpenID Connect back-channel logout: the provider ends a person's berth sessions",
		Description: "The provider posts logout_token (a JWT it signed, for berth's client id, with the back-channel logout event and the " +
			"person's sub). Every web session, CLI keypair and bearer token of the linked account ends, on every replica.",
		Parameters:  []*huma.Param{{Name: "provider", In: "path", Required: true, Description: "The provider's id in berth.toml.", Schema: &huma.Schema{Type: "string"}}},
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/x-www-form-urlencoded": {}}},
		Responses: map[string]*huma.Response{"200": {Description: "Done (also when nobody here was signed in)."},
			"400": {Description: "{error: invalid_request, error_description}: the logout token was refused."}, "default": problemResp},
	})
	oa.AddOperation(&huma.Operation{
		OperationID: "admin-logs", Method: http.MethodGet, Path: "/api/admin/logs", Tags: []string{"admin"},
		Summary:  "Log lines across every function (admins); follow=true streams them as server-sent events",
		Security: authenticated,
		Parameters: []*huma.Param{
			{Name: "user", In: "query", Description: "Only functions of this owner: a user id or an email.", Schema: &huma.Schema{Type: "string"}},
			{Name: "function_id", In: "query", Description: "Only this function.", Schema: &huma.Schema{Type: "string"}},
			{Name: "level", In: "query", Description: "info (default): every line; error: lines of executions that failed.", Schema: &huma.Schema{Type: "string", Enum: []any{"info", "error"}}},
			{Name: "q", In: "query", Description: "Only lines containing this text, in any case.", Schema: &huma.Schema{Type: "string"}},
			{Name: "since", In: "query", Description: "RFC 3339 time; default one hour ago.", Schema: &huma.Schema{Type: "string", Format: "date-time"}},
			{Name: "limit", In: "query", Description: "At most this many lines (1–1000, default 200).", Schema: &huma.Schema{Type: "integer"}},
			{Name: "follow", In: "query", Description: "true: keep the connection open and send new lines as event \"log\".", Schema: &huma.Schema{Type: "boolean"}}},
		Responses: map[string]*huma.Response{"200": {Description: "{lines: [{function_id, execution_id, at, line}]} or text/event-stream."}, "default": problemResp},
	})
	oa.AddOperation(&huma.Operation{
		OperationID: "function-logs", Method: http.MethodGet, Path: "/api/functions/{id}/logs", Tags: []string{"executions"},
		Summary:  "Recent log lines across executions; follow=true streams them as server-sent events",
		Security: authenticated,
		Parameters: []*huma.Param{id,
			{Name: "since", In: "query", Description: "RFC 3339 time; default one hour ago.", Schema: &huma.Schema{Type: "string", Format: "date-time"}},
			{Name: "limit", In: "query", Description: "At most this many lines (1–1000, default 200).", Schema: &huma.Schema{Type: "integer"}},
			{Name: "follow", In: "query", Description: "true: keep the connection open and send new lines as event \"log\".", Schema: &huma.Schema{Type: "boolean"}}},
		Responses: map[string]*huma.Response{"200": {Description: "{lines: [{execution_id, at, line}]} or text/event-stream."}, "default": problemResp},
	})
}
