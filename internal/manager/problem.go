package manager

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	problems "github.com/berth-platform/berth/internal/problem"
	"github.com/berth-platform/berth/internal/signing"
)

// ProblemTypeBase prefixes every problem type berth defines.
const ProblemTypeBase = problems.TypeBase

// The problem codes, by their internal/problem names.
const (
	codeValidation      = problems.Validation
	codeNotFound        = problems.NotFound
	codeConflict        = problems.Conflict
	codeUnauthorized    = problems.Unauthorized
	codeForbidden       = problems.Forbidden
	codeTokenReused     = problems.TokenReused
	codeUnavailable     = problems.Unavailable
	codeTooManyLogins   = problems.TooManyLogins
	codeBodyTooLarge    = problems.BodyTooLarge
	codeInternal        = problems.Internal
	codeRegistrationOff = problems.RegistrationOff
	codeAccountBlocked  = problems.AccountBlocked
	codeOwnerInactive   = problems.OwnerInactive
	codePendingDeletion = problems.PendingDeletion
	codeNotDeployed     = problems.NotDeployed
	codeBadArtefact     = problems.BadArtefact
	codeUnsupportedType = problems.UnsupportedType
	codeFunctionFailed  = problems.FunctionFailed
	codeFunctionTimeout = problems.FunctionTimeout
	codeRuntimeOff      = problems.RuntimeOff
	codePasswordChange  = problems.PasswordChange
	codeFeatureRole     = problems.FeatureRole
	codeQuotaExceeded   = problems.QuotaExceeded
	codeRateLimited     = problems.RateLimited
	codeResetInvalid    = problems.ResetInvalid
	codeVerifyRequired  = problems.VerifyRequired
	codeVerifyInvalid   = problems.VerifyInvalid
	codeProviderDown    = problems.ProviderUnavailable
	codeSSORefused      = problems.SSORefused
	codeSSOUnverified   = problems.SSOEmailUnverified
	codeLocalPasswords  = problems.LocalPasswordsOff
)

// problemError is the RFC 9457 body every error answer carries (an error).
type problemError = huma.ErrorModel

// problem builds an RFC 9457 problem.
func problem(status int, code, detail string, errs ...*huma.ErrorDetail) *huma.ErrorModel {
	return problems.New(status, code, detail, errs...)
}

// withRetryAfter attaches Retry-After (seconds, at least 1).
func withRetryAfter(err error, seconds int) error { return problems.WithRetryAfter(err, seconds) }

// fail maps an error from the domain or an adapter to the problem the
// client sees. It is the one place where that mapping lives; errors that
// are not the client's fault are logged with the request's id and answered
// with a generic 500 that leaks nothing.
func (m *Manager) fail(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	var ie *berth.InvalidError
	var sig *signing.Error
	switch {
	case errors.As(err, &ie):
		return problem(http.StatusUnprocessableEntity, codeValidation, "validation failed: "+ie.Error(),
			&huma.ErrorDetail{Location: "body." + ie.Field, Message: ie.Reason})
	case errors.As(err, &sig):
		return problem(sig.Status, sig.Code, sig.Detail)
	case errors.Is(err, berth.ErrNotFound):
		return problem(http.StatusNotFound, codeNotFound, "not found")
	case errors.Is(err, berth.ErrConflict):
		return problem(http.StatusConflict, codeConflict, "it already exists")
	case errors.Is(err, berth.ErrTokenReused):
		return problem(http.StatusUnauthorized, codeTokenReused,
			"this refresh token was already used, so every token of its login has been revoked; log in again")
	case errors.Is(err, berth.ErrUnauthorized):
		return problem(http.StatusUnauthorized, codeUnauthorized, "authentication required")
	case errors.Is(err, berth.ErrForbidden):
		return problem(http.StatusForbidden, codeForbidden, "you may not do this")
	case errors.Is(err, berth.ErrUnavailable):
		m.log.WarnContext(ctx, "dependency unavailable", "event", "unavailable", "error", err)
		return withRetryAfter(problem(http.StatusServiceUnavailable, codeUnavailable,
			"the server cannot reach its database or store right now, or is saturated; retry shortly"), 2)
	case errors.Is(err, context.Canceled):
		return problem(499, codeUnavailable, "the client went away")
	}
	id := requestID(ctx)
	m.log.ErrorContext(ctx, "internal error", "event", "internal_error", "request_id", id, "error", err)
	return problem(http.StatusInternalServerError, codeInternal,
		"an internal error occurred; if it persists, report request id "+id+" to the operator")
}

// problemTypeTransformer fills the type of huma's own problems (validation,
// malformed JSON) and records the problem's code for metrics and logs.
func problemTypeTransformer(ctx huma.Context, _ string, v any) (any, error) {
	em, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	// huma echoes the offending value; it may be a password or a token.
	for _, d := range em.Errors {
		if d != nil {
			d.Value = nil
		}
	}
	if em.Type == "" {
		em.Type = "about:blank"
		switch em.Status {
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			em.Type = ProblemTypeBase + codeValidation
		case http.StatusRequestEntityTooLarge:
			// huma's own cap on JSON bodies: the same problem type as the
			// caps berth checks itself, as docs/api.md promises.
			em.Type = ProblemTypeBase + codeBodyTooLarge
		case http.StatusUnsupportedMediaType:
			// Every huma operation takes JSON (deploy and invoke, which take
			// other types, are plain handlers).
			em.Type = ProblemTypeBase + codeUnsupportedType
			em.Detail = "send the body as JSON, with Content-Type: application/json"
		}
	}
	if info := infoFrom(ctx.Context()); info != nil {
		info.errorDetail = strings.TrimPrefix(em.Type, ProblemTypeBase)
	}
	return em, nil
}

// writeProblem answers outside huma (authentication, unknown routes).
func writeProblem(w http.ResponseWriter, r *http.Request, p *huma.ErrorModel, header http.Header) {
	if info := infoFrom(r.Context()); info != nil {
		info.errorDetail = strings.TrimPrefix(p.Type, ProblemTypeBase)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// notFound answers unknown /api/ routes with a problem.
func (m *Manager) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, problem(http.StatusNotFound, codeNotFound,
		"no API endpoint "+r.Method+" "+r.URL.Path+"; the endpoints are listed in /api/openapi.json"), nil)
}

// operation adds an operation whose every error passes through fail: a
// domain error becomes its problem, anything else a 500 internal problem
// with a request id (the detail goes only to the log). Registering through
// it is what makes a raw store or runtime error unable to reach a client;
// no handler has to remember it.
func operation[I, O any](m *Manager, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(m.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		return out, nil
	})
}
