package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/berth-platform/berth/client"
)

// loginSSO signs in through the server's OpenID provider and ends, as a
// password login does, with the context's keypair.
func (a *app) loginSSO(ctx context.Context, server, provider string, browser bool) error {
	cfg, name, server, c, err := a.loginStart(server)
	if err != nil {
		return err
	}
	opts, err := c.AuthOptions(ctx)
	if err != nil {
		return err
	}
	p, err := pickProvider(opts.Providers, strings.TrimSpace(provider), server)
	if err != nil {
		return err
	}
	var tokens *client.Tokens
	if !browser {
		tokens, err = a.deviceSignIn(ctx, c, p)
		var he *client.Error
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			fmt.Fprintf(a.env.Stderr, "%s offers no device sign-in; signing in through a browser on this machine.\n", p.Name)
			browser = true
		} else if err != nil {
			return err
		}
	}
	if browser {
		if tokens, err = a.loopbackSignIn(ctx, c, p); err != nil {
			return err
		}
	}
	bearer, err := a.newClient(server, client.WithBearer(tokens.AccessToken))
	if err != nil {
		return err
	}
	return a.finishLogin(ctx, cfg, name, server, bearer, tokens)
}

func pickProvider(ps []client.SignInProvider, want, server string) (client.SignInProvider, error) {
	if len(ps) == 0 {
		return client.SignInProvider{}, usagef("%s offers no single sign-on; log in with --email", server)
	}
	if want == "" {
		if len(ps) == 1 {
			return ps[0], nil
		}
		return client.SignInProvider{}, usagef("%s offers several providers; name one: --sso %s", server, providerIDs(ps))
	}
	for _, p := range ps {
		if p.ID == want {
			return p, nil
		}
	}
	return client.SignInProvider{}, usagef("%s offers no provider %q (it offers %s)", server, want, providerIDs(ps))
}

func providerIDs(ps []client.SignInProvider) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

// deviceSignIn runs the device flow: a code to enter at the provider,
// then polls until the person approved, refused, or the code expired.
func (a *app) deviceSignIn(ctx context.Context, c *client.Client, p client.SignInProvider) (*client.Tokens, error) {
	d, err := c.StartDeviceSignIn(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	link := d.VerificationURI
	fmt.Fprintf(a.env.Stdout, "To sign in with %s, open %s on any device and enter the code %s\n", p.Name, link, d.UserCode)
	if d.VerificationURIComplete != "" {
		fmt.Fprintf(a.env.Stdout, "(or open %s)\n", d.VerificationURIComplete)
	}
	fmt.Fprintln(a.env.Stdout, "Waiting for you to approve…")
	interval := time.Duration(max(d.Interval, 1)) * time.Second
	deadline := time.Now().Add(time.Duration(max(d.ExpiresIn, 60)) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		s, err := c.PollDeviceSignIn(ctx, p.ID, d.DeviceCode)
		if err != nil {
			return nil, err
		}
		if !s.Pending() {
			return &s.Tokens, nil
		}
		if s.Status == "slow_down" {
			interval += 5 * time.Second
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the code expired before it was approved; run berth login --sso again")
		}
	}
}

// loopbackSignIn runs the authorization code flow with PKCE to a
// redirect on 127.0.0.1 (RFC 8252): it prints the link, and the provider
// sends the browser back to the port berth listens on.
func (a *app) loopbackSignIn(ctx context.Context, c *client.Client, p client.SignInProvider) (*client.Tokens, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the provider's answer on 127.0.0.1: %w", err)
	}
	defer func() { _ = l.Close() }()
	redirect := fmt.Sprintf("http://%s/callback", l.Addr())
	state, nonce, verifier := random43(), random43(), random43()
	link, err := c.SignInURL(ctx, p.ID, redirect, state, nonce, verifier)
	if err != nil {
		return nil, err
	}
	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the provider's answer is not for this sign-in (state differs); run berth login --sso again")
		case q.Get("error") != "":
			res.err = fmt.Errorf("%s refused the sign-in: %s %s", p.Name, q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			res.err = errors.New("the provider sent no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintln(w, "Not signed in:", res.err)
		} else {
			fmt.Fprintln(w, "Signed in. You can close this tab and go back to the terminal.")
		}
		select {
		case got <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Close() }()
	fmt.Fprintf(a.env.Stdout, "To sign in with %s, open this link in a browser on this machine:\n  %s\nWaiting for the provider…\n", p.Name, link)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Minute):
		return nil, errors.New("no answer from the provider within 10 minutes; run berth login --sso again")
	case res := <-got:
		if res.err != nil {
			return nil, res.err
		}
		return c.RedeemSignIn(ctx, p.ID, res.code, verifier, nonce, redirect)
	}
}

// random43 is 32 random bytes, base64url: 43 characters.
func random43() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
