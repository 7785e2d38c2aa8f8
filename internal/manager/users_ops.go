package manager

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/password"
)

type updateMeInput struct {
	Body struct {
		Name            *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Password        *string `json:"password,omitempty" minLength:"1" maxLength:"1024" doc:"The new password; needs current_password. Ends the user's other sessions."`
		CurrentPassword *string `json:"current_password,omitempty" maxLength:"1024"`
	}
}

type preferencesBody struct {
	PinnedFunctions []string `json:"pinned_functions" maxItems:"50" uniqueItems:"true" doc:"Function ids shown first, at most 50."`
	Theme           string   `json:"theme" enum:"light,dark,system"`
}

type preferencesOutput struct{ Body preferencesBody }

type patchPreferencesInput struct {
	Body struct {
		PinnedFunctions *[]string `json:"pinned_functions,omitempty" maxItems:"50" uniqueItems:"true" doc:"Ids of your own functions, at most 50."`
		AppIDs          *[]string `json:"app_ids,omitempty" maxItems:"50" uniqueItems:"true" doc:"Deprecated: another name for pinned_functions, for clients of the systems berth replaces. Send one or the other; answers name it pinned_functions."`
		Theme           *string   `json:"theme,omitempty" enum:"light,dark,system"`
	}
}

type profileBody struct {
	FullName  string `json:"full_name" maxLength:"200"`
	Phone     string `json:"phone" maxLength:"32" doc:"Digits with an optional leading +, spaces, dashes, dots or parentheses."`
	Country   string `json:"country" maxLength:"2" doc:"ISO 3166-1 alpha-2 code, e.g. DE."`
	City      string `json:"city" maxLength:"100"`
	Address   string `json:"address" maxLength:"500"`
	AvatarURL string `json:"avatar_url" maxLength:"2048" doc:"An https:// URL."`
}

type profileOutput struct{ Body profileBody }

// profilePutBody is profileBody with every field optional: PUT replaces
// the whole profile, so a field left out is cleared.
type profilePutBody struct {
	FullName  string `json:"full_name,omitempty" maxLength:"200"`
	Phone     string `json:"phone,omitempty" maxLength:"32" doc:"Digits with an optional leading +, spaces, dashes, dots or parentheses."`
	Country   string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 code, e.g. DE."`
	City      string `json:"city,omitempty" maxLength:"100"`
	Address   string `json:"address,omitempty" maxLength:"500"`
	AvatarURL string `json:"avatar_url,omitempty" maxLength:"2048" doc:"An https:// URL."`
}

type profileInput struct{ Body profilePutBody }

// profilePatchBody changes only the fields sent; an empty string clears one.
type profilePatchBody struct {
	FullName  *string `json:"full_name,omitempty" maxLength:"200"`
	Phone     *string `json:"phone,omitempty" maxLength:"32"`
	Country   *string `json:"country,omitempty" maxLength:"2"`
	City      *string `json:"city,omitempty" maxLength:"100"`
	Address   *string `json:"address,omitempty" maxLength:"500"`
	AvatarURL *string `json:"avatar_url,omitempty" maxLength:"2048"`
}

type patchProfileInput struct{ Body profilePatchBody }

func (m *Manager) registerUsers() {
	tags := []string{"users"}
	operation(m, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/api/users/me",
		Tags: tags, Summary: "The authenticated user", Security: authenticated}, m.getMe)
	operation(m, huma.Operation{OperationID: "update-me", Method: http.MethodPatch, Path: "/api/users/me",
		Tags: tags, Summary: "Change the name or the password", Security: authenticated}, m.updateMe)
	operation(m, huma.Operation{OperationID: "get-usage", Method: http.MethodGet, Path: "/api/users/me/usage",
		Tags: tags, Summary: "Each limit of your tier with your current use", Security: authenticated}, m.getUsage)
	operation(m, huma.Operation{OperationID: "get-preferences", Method: http.MethodGet, Path: "/api/users/me/preferences",
		Tags: tags, Summary: "Dashboard preferences", Security: authenticated}, m.getPreferences)
	operation(m, huma.Operation{OperationID: "update-preferences", Method: http.MethodPatch, Path: "/api/users/me/preferences",
		Tags: tags, Summary: "Change some preferences", Security: authenticated}, m.patchPreferences)
	operation(m, huma.Operation{OperationID: "get-profile", Method: http.MethodGet, Path: "/api/users/me/profile",
		Tags: tags, Summary: "Personal details", Security: authenticated}, m.getProfile)
	operation(m, huma.Operation{OperationID: "put-profile", Method: http.MethodPut, Path: "/api/users/me/profile",
		Tags: tags, Summary: "Replace the personal details; fields left out are cleared", Security: authenticated}, m.putProfile)
	operation(m, huma.Operation{OperationID: "patch-profile", Method: http.MethodPatch, Path: "/api/users/me/profile",
		Tags: tags, Summary: "Change only the personal details sent", Security: authenticated}, m.patchProfile)
}

type userDetailOutput struct{ Body UserDetail }

func (m *Manager) getMe(ctx context.Context, _ *struct{}) (*userDetailOutput, error) {
	d, err := m.userDetail(ctx, PrincipalFrom(ctx).User)
	if err != nil {
		return nil, err
	}
	return &userDetailOutput{Body: d}, nil
}

// userDetail is an account with its entitlements.
func (m *Manager) userDetail(ctx context.Context, u *berth.User) (UserDetail, error) {
	e, err := m.entitlementsOf(ctx, u)
	if err != nil {
		return UserDetail{}, err
	}
	d := UserDetail{User: userOut(u), Entitlements: entitlementsOut(e)}
	d.EmailVerificationRequired = m.needsVerification(u)
	if u.OrganizationID != "" {
		o, err := m.cache.CachedOrganization(ctx, u.OrganizationID)
		switch {
		case err == nil:
			d.Organization = &OrgRef{ID: o.ID, Name: o.Name}
		case !errors.Is(err, berth.ErrNotFound): // gone meanwhile: no name to give
			return UserDetail{}, err
		}
	}
	return d, nil
}

// updateMeOutput is the account, and after a password change what the
// change ended.
type updateMeOutput struct {
	Body struct {
		User
		Ended *Ended `json:"ended,omitempty" doc:"Set after a password change: the other sessions and keypairs it ended."`
	}
}

func (m *Manager) updateMe(ctx context.Context, in *updateMeInput) (*updateMeOutput, error) {
	out := &updateMeOutput{}
	p := PrincipalFrom(ctx)
	u := *p.User
	if in.Body.Name != nil {
		name, err := cleanName(*in.Body.Name)
		if err != nil {
			return nil, m.fail(ctx, err)
		}
		if err := m.store.UpdateUserName(ctx, u.ID, name); err != nil {
			return nil, m.fail(ctx, err)
		}
		u.Name = name
		m.auditUser(ctx, &u, actUserUpdate, u.ID, berth.AuditSuccess, "name")
	}
	if in.Body.Password != nil {
		ended, err := m.changePassword(ctx, p, *in.Body.Password, in.Body.CurrentPassword)
		if err != nil {
			return nil, err
		}
		out.Body.Ended = &ended
	}
	out.Body.User = userOut(&u)
	return out, nil
}

// changePassword checks the current password (counting failures like a
// login), applies the policy, stores the new hash and ends every other
// session of the user: other token families, other web-session keypairs
// and CLI keypairs (all but the one that signed this request), as a
// password change is what a user does when a credential may have leaked.
func (m *Manager) changePassword(ctx context.Context, p *Principal, newPassword string, current *string) (Ended, error) {
	u := p.User
	if current == nil {
		return Ended{}, m.fail(ctx, berth.Invalid("current_password", "is required to change the password"))
	}
	if err := m.checkLockout(ctx, u.Email, clientAddrFrom(ctx)); err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	ok, err := m.verifyPassword(ctx, u, *current)
	if err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	if !ok {
		m.auditUser(ctx, u, actPasswordChange, u.ID, berth.AuditFailure, "wrong current password")
		if err := m.recordFailure(ctx, u.Email, clientAddrFrom(ctx)); err != nil {
			return Ended{}, m.fail(ctx, err)
		}
		return Ended{}, m.fail(ctx, berth.Invalid("current_password", "is not the current password"))
	}
	if err := password.Check(newPassword, u.Email); err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	hash, err := m.hasher.Hash(ctx, newPassword)
	if err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	// SetPassword also ends a temporary password's restriction.
	if err := m.store.SetPassword(ctx, u.ID, hash, false); err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	ended, err := m.endSessions(ctx, u.ID, p.FamilyID, p.AccessKey)
	if err != nil {
		return Ended{}, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actPasswordChange, u.ID, berth.AuditSuccess, "other sessions ended")
	return ended, nil
}

func (m *Manager) getPreferences(ctx context.Context, _ *struct{}) (*preferencesOutput, error) {
	prefs, err := m.store.Preferences(ctx, PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	return &preferencesOutput{Body: preferencesBody{PinnedFunctions: prefs.PinnedFunctions, Theme: string(prefs.Theme)}}, nil
}

func (m *Manager) patchPreferences(ctx context.Context, in *patchPreferencesInput) (*preferencesOutput, error) {
	u := PrincipalFrom(ctx).User
	prefs, err := m.store.Preferences(ctx, u.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	field, pinned := "pinned_functions", in.Body.PinnedFunctions
	if in.Body.AppIDs != nil {
		if pinned != nil {
			return nil, m.fail(ctx, berth.Invalid("app_ids", "is another name for pinned_functions; send only one of them"))
		}
		field, pinned = "app_ids", in.Body.AppIDs
	}
	if pinned != nil {
		if err := m.checkPinned(ctx, u, field, *pinned, prefs.PinnedFunctions); err != nil {
			return nil, m.fail(ctx, err)
		}
		prefs.PinnedFunctions = *pinned
	}
	if in.Body.Theme != nil {
		prefs.Theme = berth.Theme(*in.Body.Theme)
	}
	if err := m.store.PutPreferences(ctx, u.ID, prefs); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actPrefsUpdate, u.ID, berth.AuditSuccess, "")
	return &preferencesOutput{Body: preferencesBody{PinnedFunctions: prefs.PinnedFunctions, Theme: string(prefs.Theme)}}, nil
}

// checkPinned makes sure every newly pinned id is one of the user's own
// functions (pending deletion included), naming the first that is not.
// Ids pinned before are not checked again: a function deleted since must
// not stop the user from reordering or unpinning the others.
func (m *Manager) checkPinned(ctx context.Context, u *berth.User, field string, ids, before []string) error {
	for i, id := range ids {
		item := "item " + strconv.Itoa(i) + " (" + strconv.Quote(id) + ")"
		if !berth.ValidID(id) {
			return berth.Invalid(field, item+" is not a function id (a UUID)")
		}
		if slices.Contains(before, id) {
			continue
		}
		f, err := m.store.Function(ctx, id)
		if errors.Is(err, berth.ErrNotFound) || (err == nil && f.OwnerID != u.ID) {
			return berth.Invalid(field, item+" is not one of your functions")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	phonePattern   = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{2,31}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

func (m *Manager) getProfile(ctx context.Context, _ *struct{}) (*profileOutput, error) {
	p, err := m.store.Profile(ctx, PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	return &profileOutput{Body: profileBody(p)}, nil
}

func (m *Manager) putProfile(ctx context.Context, in *profileInput) (*profileOutput, error) {
	u := PrincipalFrom(ctx).User
	p := berth.Profile(in.Body)
	if err := validateProfile(&p); err != nil {
		return nil, m.fail(ctx, err)
	}
	if err := m.store.PutProfile(ctx, u.ID, p); err != nil {
		return nil, m.fail(ctx, err)
	}
	m.auditUser(ctx, u, actProfileUpdate, u.ID, berth.AuditSuccess, "")
	return &profileOutput{Body: profileBody(p)}, nil
}

func (m *Manager) patchProfile(ctx context.Context, in *patchProfileInput) (*profileOutput, error) {
	u := PrincipalFrom(ctx).User
	p, err := m.store.Profile(ctx, u.ID)
	if err != nil {
		return nil, m.fail(ctx, err)
	}
	b := &in.Body
	for _, f := range []struct{ to, from *string }{{&p.FullName, b.FullName}, {&p.Phone, b.Phone}, {&p.Country, b.Country},
		{&p.City, b.City}, {&p.Address, b.Address}, {&p.AvatarURL, b.AvatarURL}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	return m.putProfile(ctx, &profileInput{Body: profilePutBody(p)})
}

// validateProfile trims every field and checks its form; empty means unset.
func validateProfile(p *berth.Profile) error {
	fields := []struct {
		name string
		v    *string
	}{{"full_name", &p.FullName}, {"phone", &p.Phone}, {"country", &p.Country}, {"city", &p.City}, {"address", &p.Address}, {"avatar_url", &p.AvatarURL}}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if !berth.ValidText(*f.v) {
			return berth.Invalid(f.name, "must not contain control characters or line breaks")
		}
	}
	if p.Phone != "" && !phonePattern.MatchString(p.Phone) {
		return berth.Invalid("phone", "must be a phone number: digits with an optional leading +, and spaces, dashes, dots or parentheses")
	}
	if p.Country != "" && !countryPattern.MatchString(p.Country) {
		return berth.Invalid("country", "must be an ISO 3166-1 alpha-2 code in capitals, such as DE or US")
	}
	if p.AvatarURL != "" {
		u, err := url.Parse(p.AvatarURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return berth.Invalid("avatar_url", "must be an https:// URL without credentials")
		}
	}
	return nil
}
