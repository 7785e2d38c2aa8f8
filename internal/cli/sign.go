package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/signing"
)

// credentials are what a request is signed with, and the server a path
// is relative to.
type credentials struct {
	keyID, secret, server string
}

// signingCredentials picks --key with its secret (BERTH_SECRET_KEY or
// standard input), or the context's keypair when no --key is given.
func (a *app) signingCredentials(key string, secretStdin bool, server string) (credentials, error) {
	if server == "" {
		server = a.env.Getenv("BERTH_SERVER")
	}
	if key == "" {
		if secretStdin {
			return credentials{}, usagef("--key is required with --secret-stdin: the access key (BK…) or API key id (BF…) the secret belongs to")
		}
		s, err := a.session()
		var auth AuthError
		if errors.As(err, &auth) {
			return credentials{}, UsageError{fmt.Errorf("--key is required when no context is logged in: the access key (BK…) or API key id (BF…) to sign with (%w)", err)}
		}
		if err != nil {
			return credentials{}, err
		}
		if server == "" {
			server = s.ctx.Server
		}
		return credentials{keyID: s.ctx.AccessKey, secret: s.ctx.SecretKey, server: server}, nil
	}
	secret, err := a.secretFor(key, secretStdin)
	if err != nil {
		return credentials{}, err
	}
	if server == "" {
		if cfg, err := loadConfig(a.env); err == nil {
			if c, err := cfg.use(cfg.contextName(a.contextFlag, a.env)); err == nil {
				server = c.Server
			}
		}
	}
	return credentials{keyID: key, secret: secret, server: server}, nil
}

// secretFor reads the secret of --key: from standard input with
// --secret-stdin, else BERTH_SECRET_KEY. It is never taken from the
// command line.
func (a *app) secretFor(key string, fromStdin bool) (string, error) {
	if fromStdin {
		return a.env.readStdinSecret("secret for --secret-stdin")
	}
	if v := a.env.Getenv("BERTH_SECRET_KEY"); v != "" {
		return v, nil
	}
	return "", usagef("no secret for --key %s: pipe it in with --secret-stdin or set BERTH_SECRET_KEY", key)
}

// target makes the request URL: an absolute http(s) URL, or a path on the
// context's server.
func (cr credentials) target(raw string) (string, error) {
	if strings.HasPrefix(raw, "/") {
		if cr.server == "" {
			return "", usagef("%q is a path: give a full URL, or --server, or log in so that the context's server is used", raw)
		}
		return strings.TrimRight(cr.server, "/") + raw, nil
	}
	return raw, nil
}

func (a *app) signCommand() *cobra.Command {
	var data, key, server string
	var headers []string
	var secretStdin, asCurl bool
	cmd := &cobra.Command{
		Use:   "sign METHOD URL",
		Short: "Print the signature headers (or a curl line) for a request",
		Long: `Sign a request with BERTH-HMAC-SHA256 and print the headers to send, one per line,
or with --curl a complete curl command. With --key, the secret is read from
standard input (--secret-stdin) or from BERTH_SECRET_KEY; it is never taken
from the command line. Without --key, the current context's keypair signs,
and URL may be a path on its server.
Every signature holds a fresh nonce and is valid for five minutes, once.`,
		Example: `  # call a private function with one of its API keys
  echo "$SECRET" | berth sign POST http://127.0.0.1:8080/api/functions/$FN/invoke \
      -d 'hello' --key BFXXXXXXXXXXXXXXXX --secret-stdin --curl | sh

  # the headers alone, for another HTTP client
  BERTH_SECRET_KEY=$SECRET berth sign GET http://127.0.0.1:8080/api/users/me --key BKXXXXXXXXXXXXXXXX

  # with the logged-in context's keypair
  berth sign GET /api/users/me --curl | sh`,
		Args: func(_ *cobra.Command, argv []string) error {
			if len(argv) != 2 {
				return usagef("sign needs METHOD and URL, e.g. berth sign GET http://127.0.0.1:8080/api/users/me --key BK…")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, argv []string) error {
			cr, err := a.signingCredentials(key, secretStdin, server)
			if err != nil {
				return err
			}
			body, err := a.readData(data)
			if err != nil {
				return err
			}
			u, err := cr.target(argv[1])
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(cmd.Context(), strings.ToUpper(argv[0]), u, nil)
			if err != nil || req.URL.Host == "" || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
				return usagef("%q is not an absolute http(s) URL", argv[1])
			}
			hdr, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			req.Header = hdr
			if len(body) > 0 && req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "application/octet-stream")
			}
			if err := signing.Sign(req, signing.Credentials{KeyID: cr.keyID, Secret: cr.secret}, signing.BodyHash(body), time.Now(), signing.NewNonce()); err != nil {
				return err
			}
			out := a.env.Stdout
			if asCurl {
				_, err = fmt.Fprintln(out, curlLine(req, data))
				return err
			}
			for _, k := range sortedKeys(req.Header) {
				for _, v := range req.Header[k] {
					fmt.Fprintf(out, "%s: %s\n", k, v)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&data, "data", "d", "", "request body; @FILE reads a file")
	f.StringArrayVarP(&headers, "header", "H", nil, "extra header 'Name: value' (repeatable); X-Berth-* headers are signed too")
	f.StringVar(&key, "key", "", "access key (BK…) or function API key id (BF…); default: the context's keypair")
	f.BoolVar(&secretStdin, "secret-stdin", false, "read the secret key from standard input")
	f.BoolVar(&asCurl, "curl", false, "print a complete curl command instead of the headers")
	f.StringVar(&server, "server", "", "the server a path URL is relative to (default: the context's, or BERTH_SERVER)")
	return a.contextFlags(cmd)
}

func sortedKeys(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// curlLine renders the signed request as a shell-safe curl command.
func curlLine(req *http.Request, data string) string {
	parts := []string{"curl", "-sS", "-X", shellQuote(req.Method)}
	for _, k := range sortedKeys(req.Header) {
		for _, v := range req.Header[k] {
			parts = append(parts, "-H", shellQuote(k+": "+v))
		}
	}
	if data != "" {
		parts = append(parts, "--data-binary", shellQuote(data))
	}
	return strings.Join(append(parts, shellQuote(req.URL.String())), " ")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *app) curlCommand() *cobra.Command {
	var data, key, method, server string
	var headers []string
	var include, silent, secretStdin bool
	cmd := &cobra.Command{
		Use:   "curl [-X METHOD] [-H 'Name: value'] [-d DATA] URL|PATH",
		Short: "Send a signed request and print the answer's body",
		Long: `Send any request to the API, signed with the context's keypair (or --key
with its secret from BERTH_SECRET_KEY or --secret-stdin), and write the
answer's body to standard output and its status line to standard error
(-i adds the headers, -s leaves both out). A PATH such as /api/users/me is
relative to the context's server. An answer of 400 or more ends with exit
code 1. Redirects are not followed.

-d sends a body (POST unless -X says otherwise): @FILE reads a file, @-
standard input. Its Content-Type is application/json when the body is valid
JSON, application/octet-stream otherwise, unless -H sets it.`,
		Example: `  berth curl /api/users/me
  berth curl -X PATCH /api/users/me -d '{"name":"Ada"}'
  berth curl /api/functions?per_page=5 -i
  echo "$SECRET" | berth curl --key BFXXXXXXXXXXXXXXXX --secret-stdin -d Ada https://berth.example.com/fn/$FN/`,
		Args: args(1, 1, "a URL or a PATH"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if key != "" && secretStdin && data == "@-" {
				return usagef("-d @- and --secret-stdin both want standard input: set BERTH_SECRET_KEY instead")
			}
			hdr, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			cr, err := a.signingCredentials(key, secretStdin, server)
			if err != nil {
				return err
			}
			body, err := a.readData(data)
			if err != nil {
				return err
			}
			u, err := cr.target(argv[0])
			if err != nil {
				return err
			}
			if method == "" {
				method = http.MethodGet
				if body != nil {
					method = http.MethodPost
				}
			}
			req, err := http.NewRequestWithContext(cmd.Context(), strings.ToUpper(method), u, bytes.NewReader(body))
			if err != nil || req.URL.Host == "" || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
				return usagef("%q is not an http(s) URL or a /path", argv[0])
			}
			if body == nil {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			req.Header = hdr
			if body != nil && req.Header.Get("Content-Type") == "" {
				ct := "application/octet-stream"
				if json.Valid(body) {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
			}
			return a.sendCurl(req, cr, include, silent)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&method, "request", "X", "", "HTTP method (default GET, or POST with -d)")
	f.StringArrayVarP(&headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	f.StringVarP(&data, "data", "d", "", "request body; @FILE reads a file, @- standard input")
	f.BoolVarP(&include, "include", "i", false, "also print the answer's headers (to standard error)")
	f.BoolVarP(&silent, "silent", "s", false, "print only the body")
	f.StringVar(&key, "key", "", "sign with this key (BK… or BF…) instead of the context's keypair")
	f.BoolVar(&secretStdin, "secret-stdin", false, "read the --key secret from standard input (else BERTH_SECRET_KEY)")
	f.StringVar(&server, "server", "", "the server a PATH is relative to (default: the context's, or BERTH_SERVER)")
	return a.contextFlags(cmd)
}

func (a *app) sendCurl(req *http.Request, cr credentials, include, silent bool) error {
	hc := httpClient()
	hc.Transport = &client.Transport{AccessKey: cr.keyID, SecretKey: cr.secret, Base: hc.Transport}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req.Header.Set("User-Agent", "berth-cli/"+a.env.Version)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !silent {
		fmt.Fprintf(a.env.Stderr, "%s %s\n", resp.Proto, resp.Status)
		if include {
			for _, k := range sortedKeys(resp.Header) {
				for _, v := range resp.Header[k] {
					fmt.Fprintf(a.env.Stderr, "%s: %s\n", k, v)
				}
			}
			fmt.Fprintln(a.env.Stderr)
		}
	}
	if _, err := io.Copy(a.env.Stdout, resp.Body); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return quietError{ExitAuth}
	case resp.StatusCode >= 400:
		return quietError{ExitError}
	}
	return nil
}
