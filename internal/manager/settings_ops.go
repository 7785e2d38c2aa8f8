package manager

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/storecache"
)

// Platform settings (/api/admin/settings): what full admins change at run
// time, stored in the database and read through the cache, so a change is
// effective on every replica at the next generation poll, without a
// restart. Each value is stored under its own key as JSON; the SMTP
// password is sealed with the master key and never leaves the manager.

// Registration modes.
const (
	regOpen        = "open"         // anyone registers
	regEarlyAccess = "early_access" // anyone asks; an admin approves
	regInvite      = "invite"       // only admins create accounts
	regClosed      = "closed"       // nobody new, except by an admin
)

// Setting keys.
const (
	setRegistration = "registration_mode"
	setCapacity     = "early_access_capacity"
	setDefaultTier  = "default_tier_id"
	setMail         = "mail"
)

// platformSettings are the settings in effect.
type platformSettings struct {
	RegistrationMode    string
	EarlyAccessCapacity int
	DefaultTierID       string
	Mail                storedMail
}

// storedMail is the mail setting as stored: the password sealed.
type storedMail struct {
	From           string `json:"from,omitempty"`
	SMTPHost       string `json:"smtp_host,omitempty"`
	SMTPPort       int    `json:"smtp_port,omitempty"`
	SMTPUsername   string `json:"smtp_username,omitempty"`
	SMTPPassword   string `json:"smtp_password_sealed,omitempty"` // base64 of the sealed password
	SMTPSecurity   string `json:"smtp_security,omitempty"`
	passwordSealed []byte
}

// configured reports whether mail can be sent.
func (s *storedMail) configured() bool { return s.SMTPHost != "" && s.From != "" }

func mailAAD() []byte { return []byte("setting:mail.smtp_password") }

// settings returns the settings in effect: stored values over defaults,
// parsed once per cache generation (every request reads them).
func (m *Manager) settings(ctx context.Context) (*platformSettings, error) {
	return storecache.Lookup(ctx, m.cache, "x:settings", m.readSettings)
}

func (m *Manager) readSettings(ctx context.Context) (*platformSettings, error) {
	raw, err := m.cache.Settings(ctx)
	if err != nil {
		return nil, err
	}
	s := &platformSettings{RegistrationMode: regClosed, Mail: storedMail{SMTPPort: 587, SMTPSecurity: "starttls"}}
	if m.auth.AllowRegistration {
		s.RegistrationMode = regOpen
	}
	for key, dst := range map[string]any{setRegistration: &s.RegistrationMode, setCapacity: &s.EarlyAccessCapacity,
		setDefaultTier: &s.DefaultTierID, setMail: &s.Mail} {
		v, ok := raw[key]
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(v), dst); err != nil {
			return nil, fmt.Errorf("setting %s is not readable: %w", key, err)
		}
	}
	if s.Mail.SMTPPassword != "" {
		if s.Mail.passwordSealed, err = base64.StdEncoding.DecodeString(s.Mail.SMTPPassword); err != nil {
			return nil, fmt.Errorf("setting mail.smtp_password is not readable: %w", err)
		}
	}
	return s, nil
}

// Settings are the platform settings as admins read them.
type Settings struct {
	RegistrationMode    string       `json:"registration_mode" enum:"open,early_access,invite,closed" doc:"open: anyone registers; early_access: anyone asks (POST /api/early-access) and an admin approves; invite: only admins create accounts; closed: no new accounts but those admins create. Default from auth.allow_registration (true: open, false: closed)."`
	EarlyAccessCapacity int          `json:"early_access_capacity" doc:"At most this many early-access requests are approved; 0 means no cap."`
	DefaultTierID       string       `json:"default_tier_id" doc:"The tier of accounts without one of their own or of their organisation; empty for the built-in default tier."`
	Mail                MailSettings `json:"mail"`
}

// MailSettings are how berth sends mail (temporary passwords, and later
// verification and reset codes).
type MailSettings struct {
	From         string `json:"from" doc:"The sender address; mail is configured once it and smtp_host are set."`
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password" doc:"Write-only: reads show ******** when a password is set; sending ******** back keeps it."`
	SMTPSecurity string `json:"smtp_security" enum:"starttls,tls,none"`
	Configured   bool   `json:"configured" doc:"Whether mail is sent; otherwise temporary passwords are shown once to the admin."`
}

func settingsOut(s *platformSettings) Settings {
	out := Settings{RegistrationMode: s.RegistrationMode, EarlyAccessCapacity: s.EarlyAccessCapacity, DefaultTierID: s.DefaultTierID,
		Mail: MailSettings{From: s.Mail.From, SMTPHost: s.Mail.SMTPHost, SMTPPort: s.Mail.SMTPPort, SMTPUsername: s.Mail.SMTPUsername,
			SMTPSecurity: s.Mail.SMTPSecurity, Configured: s.Mail.configured()}}
	if len(s.Mail.passwordSealed) > 0 {
		out.Mail.SMTPPassword = secretMask
	}
	return out
}

type settingsOutput struct{ Body Settings }

// mailPatch changes some mail settings.
type mailPatch struct {
	From         *string `json:"from,omitempty" maxLength:"320"`
	SMTPHost     *string `json:"smtp_host,omitempty" maxLength:"253"`
	SMTPPort     *int    `json:"smtp_port,omitempty" minimum:"1" maximum:"65535"`
	SMTPUsername *string `json:"smtp_username,omitempty" maxLength:"320"`
	SMTPPassword *string `json:"smtp_password,omitempty" maxLength:"1024" doc:"Empty removes it; ******** keeps it."`
	SMTPSecurity *string `json:"smtp_security,omitempty" enum:"starttls,tls,none"`
}

type patchSettingsInput struct {
	Body struct {
		RegistrationMode    *string    `json:"registration_mode,omitempty" enum:"open,early_access,invite,closed"`
		EarlyAccessCapacity *int       `json:"early_access_capacity,omitempty" minimum:"0" maximum:"10000000"`
		DefaultTierID       *string    `json:"default_tier_id,omitempty" maxLength:"36" doc:"A tier's id, or empty for the built-in default."`
		Mail                *mailPatch `json:"mail,omitempty"`
	}
}

func (m *Manager) registerSettings(tags []string, admin, write map[string]any) {
	operation(m, huma.Operation{OperationID: "admin-get-settings", Method: http.MethodGet, Path: "/api/admin/settings", Tags: tags,
		Security: authenticated, Metadata: admin, Errors: []int{http.StatusForbidden},
		Summary: "The platform settings (secrets masked)"}, m.getSettings)
	operation(m, huma.Operation{OperationID: "admin-patch-settings", Method: http.MethodPatch, Path: "/api/admin/settings", Tags: tags,
		Security: authenticated, Metadata: write, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		Summary:     "Change some platform settings",
		Description: "Only the fields sent change; each change is audited (secrets as \"changed\"). Effective on every replica within a second."}, m.patchSettings)
}

func (m *Manager) getSettings(ctx context.Context, _ *struct{}) (*settingsOutput, error) {
	s, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	return &settingsOutput{Body: settingsOut(s)}, nil
}

func (m *Manager) patchSettings(ctx context.Context, in *patchSettingsInput) (*settingsOutput, error) {
	cur, err := m.settings(ctx)
	if err != nil {
		return nil, err
	}
	s := new(*cur) // the cached value is shared: change a copy
	b := &in.Body
	put := map[string]string{}
	var changes []string
	set := func(key string, v any, change string) error {
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		put[key] = string(j)
		changes = append(changes, change)
		return nil
	}
	if b.RegistrationMode != nil && *b.RegistrationMode != s.RegistrationMode {
		if err := set(setRegistration, *b.RegistrationMode, "registration_mode "+s.RegistrationMode+" → "+*b.RegistrationMode); err != nil {
			return nil, err
		}
		s.RegistrationMode = *b.RegistrationMode
	}
	if b.EarlyAccessCapacity != nil && *b.EarlyAccessCapacity != s.EarlyAccessCapacity {
		if err := set(setCapacity, *b.EarlyAccessCapacity, "early_access_capacity "+strconv.Itoa(s.EarlyAccessCapacity)+
			" → "+strconv.Itoa(*b.EarlyAccessCapacity)); err != nil {
			return nil, err
		}
		s.EarlyAccessCapacity = *b.EarlyAccessCapacity
	}
	if b.DefaultTierID != nil && *b.DefaultTierID != s.DefaultTierID {
		id := strings.TrimSpace(*b.DefaultTierID)
		if id != "" {
			if _, err := m.existingTier(ctx, "default_tier_id", id); err != nil {
				return nil, err
			}
		}
		if err := set(setDefaultTier, id, "default_tier_id "+orNone(s.DefaultTierID)+" → "+orNone(id)); err != nil {
			return nil, err
		}
		s.DefaultTierID = id
	}
	if b.Mail != nil {
		mail, mailChanges, err := m.patchMail(s.Mail, b.Mail)
		if err != nil {
			return nil, err
		}
		if len(mailChanges) > 0 {
			if err := set(setMail, mail, strings.Join(mailChanges, "; ")); err != nil {
				return nil, err
			}
			s.Mail = mail
		}
	}
	if len(put) > 0 {
		if err := m.store.PutSettings(ctx, put); err != nil {
			return nil, err
		}
		m.auditUser(ctx, PrincipalFrom(ctx).User, actAdminSettings, "settings", berth.AuditSuccess, strings.Join(changes, "; "))
	}
	return &settingsOutput{Body: settingsOut(s)}, nil
}

// patchMail applies a mail change, validated, and names what changed.
func (m *Manager) patchMail(cur storedMail, p *mailPatch) (storedMail, []string, error) {
	next := cur
	var changes []string
	text := func(field string, v *string, dst *string, check func(string) error) error {
		if v == nil {
			return nil
		}
		s := strings.TrimSpace(*v)
		if s != "" && check != nil {
			if err := check(s); err != nil {
				return err
			}
		}
		if s != *dst {
			changes = append(changes, "mail."+field+" "+strconv.Quote(*dst)+" → "+strconv.Quote(s))
			*dst = s
		}
		return nil
	}
	if err := text("from", p.From, &next.From, func(s string) error {
		e, err := berth.NormalizeEmail(s)
		if err != nil || e == "" {
			return berth.Invalid("mail.from", "must be an email address")
		}
		return nil
	}); err != nil {
		return cur, nil, err
	}
	if err := text("smtp_host", p.SMTPHost, &next.SMTPHost, func(s string) error {
		if !validHostname(s) {
			return berth.Invalid("mail.smtp_host", "must be a host name or IP address, without scheme or port (e.g. smtp.example.com)")
		}
		return nil
	}); err != nil {
		return cur, nil, err
	}
	if err := text("smtp_username", p.SMTPUsername, &next.SMTPUsername, func(s string) error {
		if !berth.ValidText(s) {
			return berth.Invalid("mail.smtp_username", "must be printable text")
		}
		return nil
	}); err != nil {
		return cur, nil, err
	}
	if p.SMTPPort != nil && *p.SMTPPort != next.SMTPPort {
		changes = append(changes, "mail.smtp_port "+strconv.Itoa(next.SMTPPort)+" → "+strconv.Itoa(*p.SMTPPort))
		next.SMTPPort = *p.SMTPPort
	}
	if p.SMTPSecurity != nil && *p.SMTPSecurity != next.SMTPSecurity {
		changes = append(changes, "mail.smtp_security "+next.SMTPSecurity+" → "+*p.SMTPSecurity)
		next.SMTPSecurity = *p.SMTPSecurity
	}
	if p.SMTPPassword != nil && *p.SMTPPassword != secretMask {
		switch pw := *p.SMTPPassword; {
		case pw == "" && next.SMTPPassword != "":
			next.SMTPPassword, next.passwordSealed = "", nil
			changes = append(changes, "mail.smtp_password removed")
		case pw != "":
			next.passwordSealed = m.box.Seal([]byte(pw), mailAAD())
			next.SMTPPassword = base64.StdEncoding.EncodeToString(next.passwordSealed)
			changes = append(changes, "mail.smtp_password changed")
		}
	}
	return next, changes, nil
}

// validHostname accepts an IP address or a DNS name of RFC 1123 labels.
func validHostname(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// registrationMode is the registration mode in effect.
func (m *Manager) registrationMode(ctx context.Context) (string, error) {
	s, err := m.settings(ctx)
	if err != nil {
		return "", err
	}
	return s.RegistrationMode, nil
}

// noTier names a tier reference that does not exist.
func noTier(field, id string) error {
	return berth.Invalid(field, "names no tier: "+id+" (GET /api/admin/tiers lists them)")
}

// existingTier reads the tier a request names in field.
func (m *Manager) existingTier(ctx context.Context, field, id string) (*berth.Tier, error) {
	if !berth.ValidID(id) {
		return nil, noTier(field, id)
	}
	t, err := m.store.Tier(ctx, id)
	if errors.Is(err, berth.ErrNotFound) {
		return nil, noTier(field, id)
	}
	return t, err
}
