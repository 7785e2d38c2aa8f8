// Package mailtest runs a real SMTP server, Mailpit, for tests, and reads
// what arrived through Mailpit's HTTP API. It builds nothing: the mailpit
// binary must be installed (.ci/run installs it). Without it a test skips
// on a developer's machine and fails when CI=true. The servers listen on
// loopback only and never relay.
package mailtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-platform/berth/internal/testenv"
)

// Install is the command that installs the Mailpit these tests expect.
const Install = "go install github.com/axllent/mailpit@v1.33.1"

// How long Mailpit may take to answer on both ports, and to stop.
const (
	startTimeout = 20 * time.Second
	stopTimeout  = 5 * time.Second
)

// maxAPIBody caps what is read from one answer of Mailpit's API.
const maxAPIBody = 32 << 20

// Options choose what the server demands of its clients.
type Options struct {
	// TLS is "" (plain SMTP), "starttls" (STARTTLS offered and required) or
	// "tls" (TLS from the first byte, as on port 465). With TLS the server
	// uses a fresh self-signed certificate for 127.0.0.1 and localhost,
	// which Server.RootCAs trusts.
	TLS string
	// Username and Password, when Username is set, are the only login the
	// server accepts, and it refuses mail sent without one. Otherwise it
	// accepts any login, or none.
	Username, Password string
}

// Server is a running Mailpit.
type Server struct {
	SMTPHost string         // 127.0.0.1
	SMTPPort int            // a free port, chosen at start
	APIURL   string         // Mailpit's HTTP API, e.g. http://127.0.0.1:40123
	RootCAs  *x509.CertPool // trusts the SMTP certificate; nil without TLS

	http *http.Client
}

// Received is one mail as Mailpit stored it.
type Received struct {
	ID      string
	From    string              // the address of the From header
	To      []string            // the addresses of the To header
	Subject string              // decoded
	Text    string              // the plain-text body, decoded, with CRLF line ends
	HTML    string              // the HTML alternative, decoded; empty when there is none
	Headers map[string][]string // keyed by canonical name, e.g. "Message-Id"
}

// Start runs a Mailpit that takes plain SMTP with any login, or none, and
// stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs a Mailpit configured by o and stops it when the test ends.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	if bin == "" {
		testenv.Unavailable(t, "mailpit not found (set MAILPIT, or install it into $(go env GOPATH)/bin with: %s)", Install)
	}
	dir := t.TempDir()
	s := &Server{SMTPHost: "127.0.0.1", http: &http.Client{Timeout: 10 * time.Second}}
	args := []string{
		"--database", filepath.Join(dir, "mailpit.db"),
		"--log-file", filepath.Join(dir, "mailpit.log"),
		"--disable-version-check", "--smtp-disable-rdns",
	}
	switch o.TLS {
	case "":
		args = append(args, "--smtp-auth-allow-insecure")
	case "starttls", "tls":
		cert, key, roots := selfSigned(t, dir)
		s.RootCAs = roots
		args = append(args, "--smtp-tls-cert", cert, "--smtp-tls-key", key)
		if o.TLS == "tls" {
			args = append(args, "--smtp-require-tls")
		} else {
			args = append(args, "--smtp-require-starttls")
		}
	default:
		t.Fatalf(`mailtest: Options.TLS is %q, want "", "starttls" or "tls"`, o.TLS)
	}
	if o.Username != "" {
		file := filepath.Join(dir, "smtp-auth")
		if err := os.WriteFile(file, []byte(o.Username+":"+o.Password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--smtp-auth-file", file)
	} else {
		args = append(args, "--smtp-auth-accept-any")
	}
	// A port chosen free can be taken before Mailpit binds it; try again.
	for attempt := 1; ; attempt++ {
		err := s.run(t, bin, dir, args)
		if err == nil {
			return s
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("mailtest: %v", err)
		}
	}
}

// run starts Mailpit on two free ports and waits until both answer.
func (s *Server) run(t testing.TB, bin, dir string, args []string) error {
	t.Helper()
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	smtpPort, httpPort := ports[0], ports[1]
	s.SMTPPort = smtpPort
	s.APIURL = "http://127.0.0.1:" + strconv.Itoa(httpPort)
	output, err := os.Create(filepath.Join(dir, "mailpit.out"))
	if err != nil {
		return err
	}
	defer output.Close()
	args = slices.Concat(args, []string{
		"--smtp", net.JoinHostPort(s.SMTPHost, strconv.Itoa(smtpPort)),
		"--listen", net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
	})
	// Cancelling ctx stops Mailpit: SIGTERM, so that it closes its
	// database, then SIGKILL if it has not exited after stopTimeout.
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...) //nolint:gosec // G204: the mailpit binary the tester chose, with our own flags
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopTimeout
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		cancel()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	stop := func() {
		cancel()
		<-done
	}
	if err := s.waitReady(done); err != nil {
		stop()
		return fmt.Errorf("%w\n%s", err, logs(dir))
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("mailtest: Mailpit's log:\n%s", logs(dir))
		}
	})
	return nil
}

// waitReady waits until the SMTP port accepts connections and the API
// answers, or Mailpit exits, or startTimeout passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	smtpAddr := net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort))
	for {
		select {
		case <-exited:
			return errors.New("mailpit exited during start")
		default:
		}
		if s.answers(smtpAddr) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit did not answer on %s and %s within %s", smtpAddr, s.APIURL, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) answers(smtpAddr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", smtpAddr)
	if err != nil {
		return false
	}
	_ = conn.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+"/readyz", nil)
	resp, err := s.http.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TLSConfig returns a client configuration that trusts the server's
// certificate; nil when the server has no TLS.
func (s *Server) TLSConfig() *tls.Config {
	if s.RootCAs == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.RootCAs, ServerName: s.SMTPHost, MinVersion: tls.VersionTLS12}
}

// Messages returns every mail the server holds, oldest first.
func (s *Server) Messages(t testing.TB) []Received {
	t.Helper()
	list := s.list(t)
	out := make([]Received, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, s.message(t, list[i].ID))
	}
	return out
}

// WaitFor polls until a mail for to has arrived and returns the oldest
// such mail; it fails the test when none arrives within timeout.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		list := s.list(t)
		for i := len(list) - 1; i >= 0; i-- {
			if slices.ContainsFunc(list[i].To, func(a address) bool { return strings.EqualFold(a.Address, to) }) {
				return s.message(t, list[i].ID)
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range list {
				got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
			}
			t.Fatalf("mailtest: no mail for %s within %s; the server holds %d: %s", to, timeout, len(list), strings.Join(got, "; "))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// address is how Mailpit's API writes an address.
type address struct{ Name, Address string }

// summary is one entry of GET /api/v1/messages.
type summary struct {
	ID      string
	To      []address
	Subject string
}

// list returns the server's messages, newest first, as the API does.
func (s *Server) list(t testing.TB) []summary {
	t.Helper()
	var page struct {
		Total    int       `json:"total"`
		Messages []summary `json:"messages"`
	}
	s.get(t, "/api/v1/messages?limit=1000", &page)
	if page.Total > len(page.Messages) {
		t.Fatalf("mailtest: the server holds %d mails, more than one page of %d", page.Total, len(page.Messages))
	}
	return page.Messages
}

func (s *Server) message(t testing.TB, id string) Received {
	t.Helper()
	var m struct {
		ID      string
		From    *address
		To      []address
		Subject string
		Text    string
		HTML    string
	}
	s.get(t, "/api/v1/message/"+id, &m)
	r := Received{ID: m.ID, Subject: m.Subject, Text: m.Text, HTML: m.HTML}
	if m.From != nil {
		r.From = m.From.Address
	}
	for _, a := range m.To {
		r.To = append(r.To, a.Address)
	}
	s.get(t, "/api/v1/message/"+id+"/headers", &r.Headers)
	return r
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		t.Fatalf("mailtest: GET %s: %v", path, err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("mailtest: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		t.Fatalf("mailtest: GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailtest: GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("mailtest: GET %s: %v", path, err)
	}
}

// binary finds mailpit: $MAILPIT, then the go install directory, then
// PATH. It returns "" when there is none, and an error when MAILPIT names
// a file that does not exist.
func binary() (string, error) {
	if p := os.Getenv("MAILPIT"); p != "" {
		if _, err := os.Stat(p); err != nil { //nolint:gosec // G703: the tester's own setting
			return "", fmt.Errorf("mailtest: MAILPIT=%s: %w", p, err)
		}
		return p, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		// One line each, the first empty when GOBIN is not set.
		gobin, gopath, _ := strings.Cut(string(out), "\n")
		dirs := []string{strings.TrimSpace(gobin)}
		if first := filepath.SplitList(strings.TrimSpace(gopath)); len(first) > 0 && first[0] != "" {
			dirs = append(dirs, filepath.Join(first[0], "bin"))
		}
		for _, d := range dirs {
			if p := filepath.Join(d, "mailpit"); d != "" && isExecutable(p) {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	return "", nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePorts returns n distinct loopback TCP ports that were free a moment
// ago: all are held open together, so that none is handed out twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// logs returns the end of what Mailpit wrote, for a failure message.
func logs(dir string) string {
	var b strings.Builder
	for _, name := range []string{"mailpit.out", "mailpit.log"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 8<<10 {
			data = data[len(data)-8<<10:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", name, data)
	}
	return b.String()
}
