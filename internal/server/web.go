package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/internal/clientaddr"
	"github.com/berth-platform/berth/internal/config"
	"github.com/berth-platform/berth/internal/manager"
	"github.com/berth-platform/berth/internal/secret"
	"github.com/berth-platform/berth/internal/webserver"
	"github.com/berth-platform/berth/internal/websession"
	"github.com/berth-platform/berth/web"
)

// openWebserver builds the browser gateway: in front of the in-process
// manager (serve) or of the configured remote managers (webserver).
func (s *Server) openWebserver(ctx context.Context, cfg *config.Config, o Options, box *secret.Box,
	proxies *clientaddr.Resolver, reg prometheus.Registerer, metrics *manager.Metrics) error {
	sessions := websession.New(s.kv, box, websession.Options{Idle: cfg.Web.SessionIdle, Absolute: cfg.Web.SessionAbsolute,
		CacheFor: 2 * time.Second, Now: o.Now})
	var upstream webserver.Upstream = webserver.Local{Handler: s.manager}
	if s.role == RoleWebserver {
		if len(cfg.Web.ManagerURLs) == 0 {
			return errors.New("web.manager_urls: give the webserver at least one manager URL (--manager-url)")
		}
		pool, err := webserver.NewPool(webserver.PoolOptions{URLs: cfg.Web.ManagerURLs, Balance: cfg.Web.Balance, Logger: s.log,
			Interval: o.ProbeInterval, Timeout: min(o.ProbeInterval, 2*time.Second)})
		if err != nil {
			return err
		}
		s.pool, upstream = pool, pool
	}
	files, built := web.UI()
	wo := webserver.Options{
		Upstream: upstream, Sessions: sessions, KV: s.kv, Proxies: proxies, Gateway: s.gateway, Web: cfg.Web, Auth: cfg.Auth,
		UI: files, UIBuilt: built, TLS: cfg.Web.TLSCert != "", LogProxied: s.role == RoleWebserver,
		PublicURL: publicURL(cfg), FunctionsURL: cfg.Functions.PublicURL, Functions: cfg.Functions,
		Logger: s.log, Registry: reg, Observe: metrics.Observe, Now: o.Now,
	}
	if !cfg.Auth.Enabled {
		open, err := s.openSession(cfg, sessions)
		if err != nil {
			return err
		}
		wo.OpenSession = open
	}
	var err error
	s.web, err = webserver.New(wo)
	return err
}

// publicURL is public_url, or the URL the listen address gives.
func publicURL(cfg *config.Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	scheme := "http"
	if cfg.Web.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + cfg.Listen
}

// openSession is the first admin's session for a server whose
// authentication is switched off, which only a loopback listener may be.
func (s *Server) openSession(cfg *config.Config, sessions *websession.Store) (func(context.Context) (*websession.Session, error), error) {
	if !loopback(cfg.Listen) {
		return nil, fmt.Errorf("auth.enabled = false is allowed only while listening on loopback (127.0.0.1 or ::1), not %s", cfg.Listen)
	}
	if s.manager == nil {
		return nil, errors.New("auth.enabled = false needs the in-process manager (berth serve)")
	}
	s.log.Warn("AUTHENTICATION IS OFF: everyone who reaches "+cfg.Listen+" acts as the first admin; never do this on a shared machine",
		"event", "auth_disabled")
	var mu sync.Mutex
	var cur *websession.Session
	return func(ctx context.Context) (*websession.Session, error) {
		mu.Lock()
		defer mu.Unlock()
		if cur != nil && time.Until(cur.ExpiresAt) > time.Hour {
			return cur, nil
		}
		admin, err := s.store.UserByEmail(ctx, s.bootstrap.Email)
		if err != nil {
			return nil, fmt.Errorf("auth disabled: first admin %s: %w", s.bootstrap.Email, err)
		}
		if !admin.Active() || admin.Role != berth.RoleAdmin {
			return nil, errors.New("auth disabled: the first admin is not an active admin")
		}
		k, secretKey, err := s.manager.SessionKeypair(ctx, admin, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		sess := &websession.Session{UserID: admin.ID, Email: admin.Email, Name: admin.Name, Role: string(admin.Role),
			AdminRole: string(admin.AdminRole), AccessKey: k.AccessKey}
		sessions.Detached(sess, secretKey, k.ExpiresAt)
		cur = sess
		return cur, nil
	}, nil
}

func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
