package oidc

import (
	"slices"
	"strings"
	"time"
)

// Claims is what berth reads of a person at the provider.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	// Values are the person's groups and roles, as the mapping matches
	// them.
	Values []string
	// SessionID is the provider's session (sid), named again by a
	// back-channel logout.
	SessionID string
	Expiry    time.Time
}

// claims reads c out of a token's claims through the configured paths.
func (p *Provider) claims(all map[string]any, exp time.Time) Claims {
	cc := p.cfg.Claims
	c := Claims{Expiry: exp}
	c.Subject, _ = all["sub"].(string)
	c.SessionID, _ = all["sid"].(string)
	if v, ok := lookup(all, cc.Email); ok {
		c.Email, _ = v.(string)
	}
	if v, ok := lookup(all, cc.EmailVerified); ok {
		switch b := v.(type) {
		case bool:
			c.EmailVerified = b
		case string: // some providers send "true"
			c.EmailVerified = b == "true"
		}
	}
	if v, ok := lookup(all, cc.Name); ok {
		c.Name, _ = v.(string)
	}
	if c.Name == "" {
		given, _ := all["given_name"].(string)
		family, _ := all["family_name"].(string)
		c.Name = strings.TrimSpace(given + " " + family)
	}
	for _, path := range slices.Concat(cc.Groups, cc.Roles) {
		if v, ok := lookup(all, path); ok {
			c.Values = append(c.Values, strings1(v)...)
		}
	}
	slices.Sort(c.Values)
	c.Values = slices.Compact(c.Values)
	return c
}

// lookup follows a dotted path through nested objects.
func lookup(all map[string]any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	var cur any = all
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// strings1 reads a claim that is a string or a list of strings.
func strings1(v any) []string {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}

// Matches reports whether any of values is among the person's.
func (c Claims) Matches(values []string) bool {
	for _, v := range values {
		if _, ok := slices.BinarySearch(c.Values, v); ok {
			return true
		}
	}
	return false
}
