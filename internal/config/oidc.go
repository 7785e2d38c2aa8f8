package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// OIDCConfig lists the OpenID Connect providers people may sign in with.
// Providers are set in the file only ([[oidc.providers]] tables); their
// secrets may come from the environment through client_secret_env.
type OIDCConfig struct {
	Providers []OIDCProvider `koanf:"providers"`
}

// OIDCProvider is one OpenID provider (Keycloak, Entra ID, Google, Dex,
// ZITADEL, …). Discovery (<issuer>/.well-known/openid-configuration) names
// its endpoints and its signing keys, which are fetched again when a token
// names a key not seen before (key rotation).
type OIDCProvider struct {
	// ID names the provider in URLs (/server/oidc/<id>/…) and in linked
	// identities: letters, digits and dashes. Changing it unlinks every
	// account that signed in through it.
	ID string `koanf:"id"`
	// Name is what the sign-in button says: "Sign in with <name>".
	Name   string `koanf:"name"`
	Issuer string `koanf:"issuer"`
	// ClientID and ClientSecret are berth's registration at the provider
	// (a confidential client; PKCE is used as well).
	ClientID     string `koanf:"client_id"`
	ClientSecret string `koanf:"client_secret"`
	// ClientSecretEnv names an environment variable holding the secret,
	// so that the file need not.
	ClientSecretEnv string `koanf:"client_secret_env"`
	// Scopes asked for at sign-in; openid is always added.
	Scopes []string `koanf:"scopes"`
	// Audience is what the provider's access tokens carry in aud for
	// berth to accept them as bearer tokens; empty: the client id.
	Audience string `koanf:"audience"`
	// Algorithms are the only signature algorithms accepted on the
	// provider's tokens (alg pinned); default RS256.
	Algorithms []string `koanf:"algorithms"`
	// TokenCacheTTL bounds how long an introspected (opaque) access token
	// is taken as active before the provider is asked again; never past
	// the token's own expiry.
	TokenCacheTTL time.Duration `koanf:"token_cache_ttl"`
	// PasswordGrant lets POST /api/auth/login check a password at the
	// provider (the resource-owner password grant; Keycloak's direct
	// access grants) when berth cannot check it itself; refreshing such a
	// login refreshes at the provider, and ends when the provider says so.
	PasswordGrant bool `koanf:"password_grant"`
	// AllowInsecure allows an http issuer, for a provider on a loopback
	// address only (tests, a provider beside berth).
	AllowInsecure bool `koanf:"allow_insecure"`

	Claims  OIDCClaims  `koanf:"claims"`
	Mapping OIDCMapping `koanf:"mapping"`
}

// OIDCClaims says where in the provider's tokens berth finds what it
// needs. Paths are dotted: realm_access.roles and
// resource_access.<client>.roles are Keycloak's layout.
type OIDCClaims struct {
	Email string `koanf:"email"`
	// EmailVerified is a boolean claim; an address not marked verified
	// never links to an existing account.
	EmailVerified string `koanf:"email_verified"`
	Name          string `koanf:"name"`
	// Groups and Roles are paths of claims holding a list of strings (or
	// one string); their values are what the mapping matches.
	Groups []string `koanf:"groups"`
	Roles  []string `koanf:"roles"`
}

// OIDCMapping turns the provider's groups and roles into berth's, at every
// sign-in. A value matches when a group or role of the person equals it.
type OIDCMapping struct {
	// FullAdmin and Viewer make the account an administrator. When either
	// is set, admin rights follow the provider: someone who no longer
	// matches loses them at the next sign-in (never the last full admin).
	FullAdmin []string `koanf:"full_admin"`
	Viewer    []string `koanf:"viewer"`
	// FeatureRoles maps a feature role (containers, public-functions, …)
	// to the values that grant it; a mapped role is also taken away.
	FeatureRoles map[string][]string `koanf:"feature_roles"`
	// Groups maps a berth group (by name) to the values that make someone
	// a member; membership of mapped groups follows the provider.
	Groups map[string][]string `koanf:"groups"`
}

// AdminMapped reports whether admin rights follow the provider.
func (m OIDCMapping) AdminMapped() bool { return len(m.FullAdmin) > 0 || len(m.Viewer) > 0 }

// oidcProviderKeys are the keys a [[oidc.providers]] table may hold.
var oidcProviderKeys = []string{"id", "name", "issuer", "client_id", "client_secret", "client_secret_env", "scopes",
	"audience", "algorithms", "token_cache_ttl", "password_grant", "allow_insecure", "claims", "mapping"}

var (
	oidcIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	oidcAlgs      = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

// withOIDCDefaults fills what the provider tables left out.
func (c *Config) withOIDCDefaults(environ []string) {
	for i := range c.OIDC.Providers {
		p := &c.OIDC.Providers[i]
		if p.ClientSecret == "" && p.ClientSecretEnv != "" {
			p.ClientSecret = lookupEnv(environ, p.ClientSecretEnv)
		}
		*p = p.WithDefaults()
	}
}

// WithDefaults returns p with what its table left out filled in.
func (p OIDCProvider) WithDefaults() OIDCProvider {
	if p.Name == "" {
		p.Name = p.ID
	}
	if !slices.Contains(p.Scopes, "openid") {
		p.Scopes = append([]string{"openid"}, p.Scopes...)
	}
	if len(p.Scopes) == 1 {
		p.Scopes = append(p.Scopes, "email", "profile")
	}
	if p.Audience == "" {
		p.Audience = p.ClientID
	}
	if len(p.Algorithms) == 0 {
		p.Algorithms = []string{"RS256"}
	}
	if p.TokenCacheTTL == 0 {
		p.TokenCacheTTL = 30 * time.Second
	}
	if p.Claims.Email == "" {
		p.Claims.Email = "email"
	}
	if p.Claims.EmailVerified == "" {
		p.Claims.EmailVerified = "email_verified"
	}
	if p.Claims.Name == "" {
		p.Claims.Name = "name"
	}
	if p.Claims.Groups == nil {
		p.Claims.Groups = []string{"groups"}
	}
	if p.Claims.Roles == nil {
		p.Claims.Roles = []string{"realm_access.roles", "resource_access." + p.ClientID + ".roles"}
	}
	return p
}

func (c *Config) validateOIDC(bad func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, p := range c.OIDC.Providers {
		key := fmt.Sprintf("oidc.providers[%d]", i)
		if !oidcIDPattern.MatchString(p.ID) {
			bad(key+".id", "%q must be 1 to 32 lower-case letters, digits and dashes (it appears in URLs)", p.ID)
		} else if seen[p.ID] {
			bad(key+".id", "%q names two providers; give each its own id", p.ID)
		}
		seen[p.ID] = true
		u, err := url.Parse(p.Issuer)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			bad(key+".issuer", "must be the provider's issuer URL, for example https://sso.example.com/realms/acme")
		case u.Scheme == "http" && !(p.AllowInsecure && loopbackHost(u.Hostname())):
			bad(key+".issuer", "must be https; plain http only for a provider on a loopback address with allow_insecure = true")
		}
		if p.ClientID == "" {
			bad(key+".client_id", "set berth's client id at the provider")
		}
		if p.ClientSecret == "" {
			msg := "set the client secret (client_secret, or client_secret_env naming an environment variable)"
			if p.ClientSecretEnv != "" {
				msg = "the environment variable " + p.ClientSecretEnv + " named by client_secret_env is empty"
			}
			bad(key+".client_secret", "%s", msg)
		}
		for _, a := range p.Algorithms {
			if !slices.Contains(oidcAlgs, a) {
				bad(key+".algorithms", "%q is not an accepted signature algorithm (%s); HS256 and none never are", a, strings.Join(oidcAlgs, ", "))
			}
		}
		if p.TokenCacheTTL < time.Second || p.TokenCacheTTL > 10*time.Minute {
			bad(key+".token_cache_ttl", "must be from 1s to 10m")
		}
	}
	if !c.Auth.LocalPasswords && len(c.OIDC.Providers) == 0 {
		bad("auth.local_passwords", "false leaves no way to sign in: configure an [[oidc.providers]] table first")
	}
}

// checkTables refuses a file's array of tables at key (oidc.providers,
// services) that is not one, or whose tables hold keys beyond known, as
// the rest of the file is checked.
func checkTables(path, key string, raw any, known []string) error {
	if raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return fmt.Errorf("config file %s: %s must be a list of [[%s]] tables", path, key, key)
	}
	for i, item := range list {
		t, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("config file %s: %s[%d] must be a table", path, key, i)
		}
		for k := range t {
			if !slices.Contains(known, k) {
				return fmt.Errorf("config file %s: %s[%d]: unknown key %q (known keys: %s)", path, key, i, k, strings.Join(known, ", "))
			}
		}
	}
	return nil
}
