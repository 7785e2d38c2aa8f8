package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
)

// The legacy paths are the documented endpoints of the systems berth
// replaces, so that clients written for them keep working. Each one runs
// the handler of its berth route, or the same service function, so that
// validation, ownership (another user's function or key does not exist:
// 404) and auditing cannot drift apart. Each is deprecated in the OpenAPI
// document and names the route to use instead; docs/api.md has the table.
// New features go on the berth routes only.

// legacyDefaultKeyName names a key generated without a name (berth's own
// create requires one).
const legacyDefaultKeyName = "API key"

// maxLegacyValidityDays bounds validity given in days, like expires_in.
const maxLegacyValidityDays = 3650

// legacyValidity is a key lifetime as the legacy clients send it: a number
// of days (30 or "30"), or a lifetime like berth's expires_in ("90d",
// "12h"). Its JSON text is kept and read by lifetime.
type legacyValidity string

// UnmarshalJSON implements json.Unmarshaler: a string is taken as it is, a
// number by its decimal text.
func (v *legacyValidity) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = legacyValidity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("validity must be a number of days or a string such as 90d: %w", err)
	}
	*v = legacyValidity(n.String())
	return nil
}

// Schema implements huma.SchemaProvider.
func (legacyValidity) Schema(huma.Registry) *huma.Schema {
	lo, hi, maxLen := 1.0, float64(maxLegacyValidityDays), 16
	return &huma.Schema{
		Description: "A number of days (1–3650), as a number or a string of digits, or a lifetime like expires_in: " +
			"a number with s, m, h or d, such as 90d or 12h (1 minute to 3650 days). Left out or null: the key never expires.",
		OneOf: []*huma.Schema{{Type: "integer", Minimum: &lo, Maximum: &hi}, {Type: "string", MaxLength: &maxLen}},
	}
}

// lifetime reads the validity; field names it in a problem.
func (v legacyValidity) lifetime(field string) (time.Duration, error) {
	s := strings.TrimSpace(string(v))
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > maxLegacyValidityDays {
			return 0, berth.Invalid(field, "a number of days must be from 1 to 3650")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return parseLifetime(field, s)
}

type legacyGenerateInput struct {
	Body struct {
		FunctionID string          `json:"function_id" minLength:"1" maxLength:"64" doc:"The function's id (a UUID)."`
		Name       string          `json:"name,omitempty" maxLength:"100" doc:"Default \"API key\"."`
		Validity   *legacyValidity `json:"validity,omitempty"`
	}
}

type legacyUpdateInput struct {
	APIKeyParam
	Body struct {
		Name      *string         `json:"name,omitempty" minLength:"1" maxLength:"100"`
		ExpiresAt *string         `json:"expires_at,omitempty" doc:"An RFC 3339 time, or \"never\"."`
		Validity  *legacyValidity `json:"validity,omitempty" doc:"Instead of expires_at: a new lifetime from now."`
	}
}

func (m *Manager) registerLegacy() {
	reg := func(op huma.Operation, preferred string) huma.Operation {
		op.Tags, op.Security, op.Deprecated = []string{"legacy"}, authenticated, true
		op.Description = strings.TrimSpace("Deprecated: use " + preferred + ", which this path shares. " + op.Description)
		return op
	}
	operation(m, reg(huma.Operation{OperationID: "legacy-generate-api-key", Method: http.MethodPost, Path: "/api/apikey/generate",
		Summary: "Create an API key for a function; the secret is shown once", DefaultStatus: http.StatusCreated,
		Description: "validity is a number of days or a lifetime such as 90d; left out, the key never expires."},
		"POST /api/functions/{id}/api-keys"), m.legacyGenerateAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-active-api-key", Method: http.MethodGet, Path: "/api/apikey/{id}",
		Summary:     "A function's newest active API key, without its secret",
		Description: "The id is the function's. 404 when the function has no active key."},
		"GET /api/functions/{id}/api-keys"), m.legacyActiveAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-list-api-keys", Method: http.MethodGet, Path: "/api/apikey/{id}/list",
		Summary: "A function's API keys (never their secrets)", Description: "The id is the function's."},
		"GET /api/functions/{id}/api-keys"), m.listAPIKeys)
	operation(m, reg(huma.Operation{OperationID: "legacy-roll-api-key", Method: http.MethodPut, Path: "/api/apikey/{id}/roll",
		Summary: "Replace a key's secret; the new one is shown once",
		Description: "The key keeps its id, key_id, name and expiry; the old secret stops working at once. " +
			"(berth's own POST /api/api-keys/{id}/roll extends the expiry instead.)"},
		"POST /api/api-keys/{id}/secret"), m.replaceAPIKeySecret)
	operation(m, reg(huma.Operation{OperationID: "legacy-update-api-key", Method: http.MethodPut, Path: "/api/apikey/{id}/update",
		Summary:     "Rename a key or change its expiry",
		Description: "Only the fields sent change, as with PATCH. validity sets the expiry from now; send it or expires_at, not both."},
		"PATCH /api/api-keys/{id}"), m.legacyUpdateAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-enable-api-key", Method: http.MethodPut, Path: "/api/apikey/{id}/enable",
		Summary: "Re-enable a revoked key"}, "POST /api/api-keys/{id}/enable"), m.enableAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-revoke-api-key", Method: http.MethodDelete, Path: "/api/apikey/{id}/revoke",
		Summary: "Stop a key at once; it stays listed"}, "POST /api/api-keys/{id}/revoke"), m.revokeAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-delete-api-key", Method: http.MethodDelete, Path: "/api/apikey/{id}",
		Summary: "Delete a key for good", DefaultStatus: http.StatusNoContent}, "DELETE /api/api-keys/{id}"), m.deleteAPIKey)
	operation(m, reg(huma.Operation{OperationID: "legacy-get-profile", Method: http.MethodGet, Path: "/api/profile",
		Summary: "Personal details"}, "GET /api/users/me/profile"), m.getProfile)
	operation(m, reg(huma.Operation{OperationID: "legacy-put-profile", Method: http.MethodPut, Path: "/api/profile",
		Summary: "Replace the personal details; fields left out are cleared"}, "PUT /api/users/me/profile"), m.putProfile)
}

func (m *Manager) legacyGenerateAPIKey(ctx context.Context, in *legacyGenerateInput) (*createAPIKeyOutput, error) {
	var life time.Duration
	if in.Body.Validity != nil {
		var err error
		if life, err = in.Body.Validity.lifetime("validity"); err != nil {
			return nil, m.fail(ctx, err)
		}
	}
	name := in.Body.Name
	if strings.TrimSpace(name) == "" {
		name = legacyDefaultKeyName
	}
	return m.issueAPIKey(ctx, in.Body.FunctionID, name, life)
}

// legacyKeyPage is how many keys legacyActiveAPIKey reads at a time.
const legacyKeyPage = 100

func (m *Manager) legacyActiveAPIKey(ctx context.Context, in *IDParam) (*apiKeyOutput, error) {
	f, err := m.readableFunction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	now := m.now()
	for page := 1; ; page++ {
		ks, total, err := m.store.ListAPIKeys(ctx, f.ID, berth.Page{Number: page, Size: legacyKeyPage})
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		for i := range ks { // newest first
			if ks[i].Usable(now) {
				return &apiKeyOutput{Body: apiKeyOut(&ks[i], now)}, nil
			}
		}
		if len(ks) == 0 || page*legacyKeyPage >= total {
			return nil, problem(http.StatusNotFound, codeNotFound, "function "+f.Name+" has no active API key")
		}
	}
}

func (m *Manager) legacyUpdateAPIKey(ctx context.Context, in *legacyUpdateInput) (*apiKeyOutput, error) {
	patch := &patchAPIKeyInput{APIKeyParam: in.APIKeyParam}
	patch.Body.Name, patch.Body.ExpiresAt = in.Body.Name, in.Body.ExpiresAt
	if in.Body.Validity != nil {
		if in.Body.ExpiresAt != nil {
			return nil, m.fail(ctx, berth.Invalid("validity", "send validity or expires_at, not both"))
		}
		life, err := in.Body.Validity.lifetime("validity")
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		at := m.now().UTC().Add(life).Format(time.RFC3339Nano)
		patch.Body.ExpiresAt = &at
	}
	return m.patchAPIKey(ctx, patch)
}
