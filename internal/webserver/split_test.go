package webserver_test

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/server"
)

// splitSites starts a manager and a webserver in front of it, sharing the
// master key (and nothing else: each has its own in-process store).
func splitSites(t *testing.T, manager func(*config.Config)) (mgr, web *site) {
	t.Helper()
	mgr = startSite(t, func(c *config.Config, o *server.Options) {
		c.MasterKey = masterKey
		if manager != nil {
			manager(c)
		}
		o.Role = server.RoleManager
	})
	web = startSite(t, func(c *config.Config, o *server.Options) {
		c.MasterKey = masterKey
		c.Web.ManagerURLs = []string{mgr.url}
		c.Web.LoginPerMinute, c.Web.LoginBurst = 1e6, 1e6
		c.Auth.MaxAddressFailures, c.Auth.MaxAccountFailures = 1000, 1000 // the webserver's own counters stay out of the way
		o.Role = server.RoleWebserver
	})
	return mgr, web
}

// browserFrom is a browser whose connections come from addr (any
// 127.0.0.0/8 address is this machine's loopback).
func (st *site) browserFrom(addr string) *browser {
	b := st.browser()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 5 * time.Second}
	b.c = &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return b
}

// TestSplitModeClientAddress: behind a berth webserver, the manager counts
// failed sign-ins by the real client's address (asserted under the master
// key, no trusted_proxies needed), so one address that reaches the limit
// locks out itself, not every user; the audit log names the client.
func TestSplitModeClientAddress(t *testing.T) {
	mgr, web := splitSites(t, func(c *config.Config) { c.Auth.MaxAddressFailures, c.Auth.MaxAccountFailures = 3, 1000 })
	attacker, user := web.browserFrom("127.0.0.2"), web.browserFrom("127.0.0.3")
	for range 4 {
		attacker.login(adminEmail, "wrong password, again and again")
	}
	if a := attacker.login(adminEmail, adminPassword); a.status != http.StatusTooManyRequests {
		t.Fatalf("the attacking address is not locked out at the manager: %d %s", a.status, a.body)
	}
	if a := user.login(adminEmail, adminPassword); a.status != http.StatusOK {
		t.Fatalf("another client was locked out by one address: %d %s", a.status, a.body)
	}
	events, _, err := mgr.Store().ListAudit(t.Context(), berth.AuditFilter{Page: berth.Page{Number: 1, Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.ClientAddr] = true
	}
	if !seen["127.0.0.2"] || !seen["127.0.0.3"] {
		t.Fatalf("the audit log names %v, want the clients 127.0.0.2 and 127.0.0.3", seen)
	}
	// A client's own assertion is worthless.
	forged := attacker.do(http.MethodPost, "/server/login", map[string]string{"email": adminEmail, "password": adminPassword},
		http.Header{"Berth-Client-Address": {"127.0.0.9; t=1; mac=00"}, "Forwarded": {"for=127.0.0.9"}})
	if forged.status != http.StatusTooManyRequests {
		t.Fatalf("a forged address escaped the lock-out: %d", forged.status)
	}
}

// TestSplitModeSignedRequests: requests the CLI or an API key signs for
// the public URL verify through a separate webserver.
func TestSplitModeSignedRequests(t *testing.T) {
	_, web := splitSites(t, nil)
	ctx := context.Background()
	anon, err := client.New(web.url)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := anon.Login(ctx, adminEmail, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := client.New(web.url, client.WithBearer(tok.AccessToken))
	kp, err := admin.CreateKeypair(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := client.New(web.url, client.WithKeypair(kp.AccessKey, kp.SecretKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signed.Me(ctx); err != nil {
		t.Fatalf("a keypair-signed request through the webserver: %v", err)
	}
}

// TestSplitModeUnsharedKeyIsReported: a webserver with a master key of its
// own passes assertions the manager cannot verify; the manager says so
// (once a minute), and the webserver warned at start.
func TestSplitModeUnsharedKeyIsReported(t *testing.T) {
	mgr := startSite(t, func(c *config.Config, o *server.Options) { c.MasterKey = masterKey; o.Role = server.RoleManager })
	web := startSite(t, func(c *config.Config, o *server.Options) {
		c.Web.ManagerURLs = []string{mgr.url}
		o.Role = server.RoleWebserver
	})
	web.browser().login(adminEmail, adminPassword)
	if !strings.Contains(web.logs.String(), `"event":"master_key_not_shared"`) {
		t.Error("the webserver did not warn that its master key is its own")
	}
	if !strings.Contains(mgr.logs.String(), `"event":"client_address_unverified"`) {
		t.Error("the manager did not report an assertion it could not verify")
	}
}
