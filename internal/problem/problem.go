package problem

import (
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// TypeBase prefixes every problem type berth defines. Problems without a
// specific type use "about:blank".
const TypeBase = "urn:berth:problem:"

// Codes of the problems (beyond those of the signing package).
const (
	Validation      = "validation"
	NotFound        = "not-found"
	Conflict        = "conflict"
	Unauthorized    = "unauthorized"
	Forbidden       = "forbidden"
	TokenReused     = "refresh-token-reused"
	Unavailable     = "unavailable"
	TooManyLogins   = "too-many-login-failures"
	BodyTooLarge    = "body-too-large"
	Internal        = "internal"
	RegistrationOff = "registration-disabled"
	AccountBlocked  = "account-blocked"
	OwnerInactive   = "function-owner-inactive"
	PendingDeletion = "function-pending-deletion"
	NotDeployed     = "function-not-deployed"
	BadArtefact     = "bad-artefact"
	UnsupportedType = "unsupported-media-type"
	FunctionFailed  = "function-failed"
	FunctionTimeout = "function-timeout"
	TooBusy         = "function-busy"
	RuntimeOff      = "runtime-unavailable"
	// PasswordChange: the account holds a temporary password and may do
	// nothing but change it.
	PasswordChange = "password-change-required"
	FeatureRole    = "feature-role-required"
	QuotaExceeded  = "quota-exceeded"
	RateLimited    = "rate-limited"
	// ResetInvalid: a password-reset token that is wrong, spent or expired.
	ResetInvalid = "reset-token-invalid"
	// VerifyRequired: the operator requires confirmed addresses and this
	// account has not confirmed its own.
	VerifyRequired = "email-verification-required"
	// VerifyInvalid: no code to check (none sent, expired, tried too often).
	VerifyInvalid = "verification-code-invalid"
	// ProviderUnavailable: the OpenID provider could not be reached.
	ProviderUnavailable = "identity-provider-unavailable"
	// SSORefused: the provider's answer was not a valid sign-in (bad or
	// expired token, replayed or mixed-up state, wrong nonce).
	SSORefused = "sso-refused"
	// SSOEmailUnverified: the provider vouches for a person whose address
	// belongs to an existing account but has not verified that address.
	SSOEmailUnverified = "sso-email-unverified"
	// LocalPasswordsOff: berth passwords are switched off; sign in through
	// the provider.
	LocalPasswordsOff = "local-passwords-disabled"
)

// New builds a problem.
func New(status int, code, detail string, errs ...*huma.ErrorDetail) *huma.ErrorModel {
	return &huma.ErrorModel{
		Type:   TypeBase + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: errs,
	}
}

// WithRetryAfter attaches Retry-After (seconds, at least 1).
func WithRetryAfter(err error, seconds int) error {
	return huma.ErrorWithHeaders(err, http.Header{"Retry-After": {strconv.Itoa(max(seconds, 1))}})
}
