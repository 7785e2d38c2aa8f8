package main

import (
	"bufio"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/oidc/oidctest"
)

// TestLoginSSO runs `berth login --sso` against berth serve and a real
// OpenID provider (internal/oidc/oidctest) on loopback: the device flow,
// approved on the provider's device pages as a person would, and the
// browser flow with its loopback redirect, driven through the provider's
// login page. Both end with a keypair that works.
func TestLoginSSO(t *testing.T) {
	op := oidctest.Start(t)
	op.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "pw-ada", Email: "ada@example.test", EmailVerified: true, Name: "Ada"})
	op.AddClient(oidctest.Client{ID: "berth", Secret: "cli-secret", RedirectURIGlobs: []string{"http://127.0.0.1:*/callback"}})
	dir := t.TempDir()
	conf := filepath.Join(dir, "berth.toml")
	if err := os.WriteFile(conf, []byte(`[[oidc.providers]]
id = "corp"
name = "Corp SSO"
issuer = "`+op.URL+`"
allow_insecure = true
client_id = "berth"
client_secret = "cli-secret"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, filepath.Join(dir, "data"), "BERTH_CONFIG="+conf)

	t.Run("DeviceFlow", func(t *testing.T) {
		env := []string{"BERTH_CLI_CONFIG=" + filepath.Join(t.TempDir(), "cli.toml")}
		out, wait := startCLI(t, env, "login", "--server", s.url, "--sso")
		code, ok := op.PendingDevice(20 * time.Second)
		if !ok {
			t.Fatalf("no device code asked for; berth printed:\n%s", out.drain())
		}
		op.ApproveDevice(t, code, "ada", "pw-ada", true)
		if err := wait(); err != nil {
			t.Fatalf("berth login --sso: %v\n%s", err, out.drain())
		}
		printed := out.drain()
		if !strings.Contains(printed, "enter the code "+code) || !strings.Contains(printed, "Logged in to "+s.url+" as ada@example.test") {
			t.Fatalf("printed:\n%s", printed)
		}
		who, stderr, exit := run(t, env, "whoami")
		if exit != 0 || !strings.Contains(who, "ada@example.test") {
			t.Fatalf("whoami: %d %s %s", exit, who, stderr)
		}
	})

	t.Run("BrowserFlow", func(t *testing.T) {
		env := []string{"BERTH_CLI_CONFIG=" + filepath.Join(t.TempDir(), "cli.toml")}
		out, wait := startCLI(t, env, "login", "--server", s.url, "--sso", "corp", "--browser")
		link := out.lineWith(t, op.URL)
		back := op.Login(t, strings.TrimSpace(link), "ada", "pw-ada")
		if back.Hostname() != "127.0.0.1" || back.Path != "/callback" {
			t.Fatalf("the provider sent the browser to %s", back)
		}
		resp, err := http.Get(back.String())
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Signed in") {
			t.Fatalf("the CLI's page: %d %s", resp.StatusCode, page)
		}
		if err := wait(); err != nil {
			t.Fatalf("berth login --sso --browser: %v\n%s", err, out.drain())
		}
		if who, _, exit := run(t, env, "whoami"); exit != 0 || !strings.Contains(who, "ada@example.test") {
			t.Fatalf("whoami: %d %s", exit, who)
		}
		// A forged answer to the loopback port (wrong state) is refused.
		out2, wait2 := startCLI(t, env, "login", "--server", s.url, "--sso", "--browser")
		link = strings.TrimSpace(out2.lineWith(t, op.URL))
		u, _ := url.Parse(link)
		redirect := u.Query().Get("redirect_uri")
		if resp, err := http.Get(redirect + "?code=stolen&state=forged"); err == nil {
			resp.Body.Close()
		}
		if err := wait2(); err == nil || !strings.Contains(out2.drain(), "state differs") {
			t.Fatalf("a forged callback was taken: %v", err)
		}
	})

	t.Run("NoSuchProvider", func(t *testing.T) {
		_, stderr, code := run(t, []string{"BERTH_CLI_CONFIG=" + filepath.Join(t.TempDir(), "cli.toml")}, "login", "--server", s.url, "--sso", "nope")
		if code != 2 || !strings.Contains(stderr, `offers no provider "nope" (it offers corp)`) {
			t.Fatalf("%d %s", code, stderr)
		}
	})
}

// cliOutput collects a running berth's output, line by line.
type cliOutput struct {
	lines chan string
	all   strings.Builder
}

func (o *cliOutput) lineWith(t *testing.T, sub string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-o.lines:
			if !ok {
				t.Fatalf("berth ended without printing %q:\n%s", sub, o.all.String())
			}
			if strings.Contains(l, sub) {
				return l
			}
		case <-timeout:
			t.Fatalf("berth did not print %q within 20 s:\n%s", sub, o.all.String())
		}
	}
}

func (o *cliOutput) drain() string {
	for l := range o.lines {
		_ = l
	}
	return o.all.String()
}

// startCLI starts berth with args; wait waits for it to end.
func startCLI(t *testing.T, env []string, args ...string) (*cliOutput, func() error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	o := &cliOutput{lines: make(chan string, 100)}
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			o.all.WriteString(sc.Text() + "\n")
			o.lines <- sc.Text()
		}
		close(o.lines)
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return o, func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			return <-done
		}
	}
}
