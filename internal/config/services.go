package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ServiceConfig is a feature service from the file ([[services]]): a
// service beside berth that berth polls for health, forwards
// /api/ext/<id>/… to with the user's identity, and, when it serves a
// plugin manifest, offers as a plugin (docs/plugins.md).
type ServiceConfig struct {
	ID   string `koanf:"id"`
	Name string `koanf:"name"`
	// URL is the service's base URL.
	URL string `koanf:"url"`
	// HealthPath is polled for health (default /health).
	HealthPath string `koanf:"health_path"`
}

var serviceKeys = []string{"id", "name", "url", "health_path"}

// ServiceIDPattern is what a service id looks like: it appears in URLs
// and is the audience of its assertions.
var ServiceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func (c *Config) withServiceDefaults() {
	for i := range c.Services {
		s := &c.Services[i]
		if s.Name == "" {
			s.Name = s.ID
		}
		if s.HealthPath == "" {
			s.HealthPath = "/health"
		}
	}
}

func (c *Config) validateServices(bad func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, s := range c.Services {
		key := fmt.Sprintf("services[%d]", i)
		if !ServiceIDPattern.MatchString(s.ID) {
			bad(key+".id", "%q must be 1 to 32 lower-case letters, digits and dashes", s.ID)
		} else if seen[s.ID] {
			bad(key+".id", "%q names two services", s.ID)
		}
		seen[s.ID] = true
		if err := CheckServiceURL(s.URL); err != nil {
			bad(key+".url", "%v", err)
		}
		if !strings.HasPrefix(s.HealthPath, "/") {
			bad(key+".health_path", "must be a path starting with /")
		}
	}
	if c.ServicePollInterval < 1e9 {
		bad("service_poll_interval", "must be at least 1s")
	}
	if c.ServiceTimeout < 1e8 || c.ServiceTimeout > c.ServicePollInterval {
		bad("service_timeout", "must be at least 100ms and at most service_poll_interval")
	}
}

// CheckServiceURL accepts an absolute http(s) URL without credentials,
// query or fragment.
func CheckServiceURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be the service's base URL, for example http://127.0.0.1:9000", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not carry credentials, a query or a fragment", s)
	}
	return nil
}
