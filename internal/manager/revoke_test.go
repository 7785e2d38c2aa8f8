package manager_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth"
	"github.com/berth-platform/berth/client"
)

// TestLogoutEverywhere ends bearer logins, web-session keypairs and CLI
// keypairs — the caller's own too — and says how many of each ended.
func TestLogoutEverywhere(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, c := ts.newUser()
	other, _ := ts.login(email, pw)
	web, err := ts.anon().Authorize(ctx, email, pw)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := c.CreateKeypair(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	ended, err := c.LogoutEverywhere(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ended.WebSessions != 1 || ended.Keypairs != 1 || ended.TokenFamilies != 2 {
		t.Errorf("ended %+v, want 1 web session, 1 keypair, 2 token families", ended)
	}
	for name, cl := range map[string]*client.Client{"this login": c, "another login": other,
		"the web session's keypair": ts.signer(web.AccessKey, web.SecretKey), "the CLI keypair": ts.signer(cli.AccessKey, cli.SecretKey)} {
		if _, err := cl.Me(ctx); client.StatusOf(err) != 401 {
			t.Errorf("%s survives logout everywhere: %v", name, err)
		}
	}
}

// TestRefreshRevokesReplacedAccessToken: after a refresh, only the new
// access token works.
func TestRefreshRevokesReplacedAccessToken(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	email, pw, _ := ts.newUser()
	old, tok := ts.login(email, pw)
	fresh, err := ts.anon().Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Me(ctx); client.StatusOf(err) != 401 {
		t.Errorf("the replaced access token still works: %v", err)
	}
	if _, err := ts.bearer(fresh.AccessToken).Me(ctx); err != nil {
		t.Errorf("the new access token: %v", err)
	}
}

// TestPublicFunctionOfInactiveOwner: nobody's credential vouches for a
// public call, so the owner's account is checked.
func TestPublicFunctionOfInactiveOwner(t *testing.T) {
	for _, status := range []berth.UserStatus{berth.UserBlocked, berth.UserDeleted} {
		t.Run(string(status), func(t *testing.T) {
			ts := startServer(t, withRegistration)
			ctx := t.Context()
			c, f := deployed(t, ts)
			public := "public"
			if _, err := c.UpdateFunction(ctx, f.ID, client.SettingsPatch{Visibility: &public}); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.anon().Invoke(ctx, f.ID, []byte("x"), nil); err != nil {
				t.Fatalf("public call while the owner is active: %v", err)
			}
			me, err := c.Me(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := ts.Store().UpdateUserStatus(ctx, me.ID, status); err != nil {
				t.Fatal(err)
			}
			_, err = ts.anon().Invoke(ctx, f.ID, []byte("x"), nil)
			e := wantStatus(t, err, 403, "function-owner-inactive")
			if e != nil && !strings.Contains(e.Detail, string(status)) {
				t.Errorf("the problem does not say why: %q", e.Detail)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"/fn/"+f.ID+"/", nil)
			if st, _, body := ts.raw(req); st != 403 {
				t.Errorf("/fn/ trigger of a %s owner's function: %d %s", status, st, body)
			}
		})
	}
}

// TestStreamsEndWithTheirCredential: an open logs stream (server-sent
// events) ends within a second of the logout of the token it was opened
// with, and of the block of its user.
func TestStreamsEndWithTheirCredential(t *testing.T) {
	for _, how := range []string{"logout", "blocked"} {
		t.Run(how, func(t *testing.T) {
			ts := startServer(t, withRegistration)
			ctx := t.Context()
			c, f := deployed(t, ts)
			kp, err := c.CreateKeypair(ctx, "logs")
			if err != nil {
				t.Fatal(err)
			}
			signer := ts.signer(kp.AccessKey, kp.SecretKey)
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, ts.url+"/api/functions/"+f.ID+"/logs?follow=true", nil)
			resp, err := signer.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("follow: %s", resp.Status)
			}
			ended := make(chan string, 1)
			go func() {
				var got strings.Builder
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					got.WriteString(sc.Text() + "\n")
				}
				ended <- got.String()
			}()
			select {
			case s := <-ended:
				t.Fatalf("the stream ended before the credential did: %q", s)
			case <-time.After(700 * time.Millisecond):
			}
			switch how {
			case "logout":
				if err := c.DeleteKeypair(ctx, kp.AccessKey); err != nil {
					t.Fatal(err)
				}
			case "blocked":
				me, _ := c.Me(ctx)
				if err := ts.Store().UpdateUserStatus(ctx, me.ID, berth.UserBlocked); err != nil {
					t.Fatal(err)
				}
			}
			revoked := time.Now()
			select {
			case s := <-ended:
				if !strings.Contains(s, "event: end") {
					t.Errorf("the stream did not say why it ended: %q", s)
				}
				// RecheckInterval is 500 ms; a loaded machine gets room.
				if d := time.Since(revoked); d > 3*time.Second {
					t.Errorf("the stream outlived its credential by %v", d)
				}
			case <-sctx.Done():
				t.Fatal("the stream outlived its credential")
			}
		})
	}
}

// TestFollowStartsAtSince: a follow whose first batch is empty starts at
// since, not at the beginning of history.
func TestFollowStartsAtSince(t *testing.T) {
	ts := startServer(t, withRegistration)
	ctx := t.Context()
	c, f := deployed(t, ts)
	old, err := c.Invoke(ctx, f.ID, []byte("old"), nil)
	if err != nil {
		t.Fatal(err)
	}
	waitExecution(t, c, f.ID, old.ExecutionID)
	since := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	sctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, ts.url+"/api/functions/"+f.ID+"/logs?follow=true&since="+since, nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break // the deadline ends the stream
		}
	}
	if strings.Contains(got.String(), old.ExecutionID) {
		t.Fatalf("the stream sent lines from before since: %s", got.String())
	}
}
