package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/internal/signing"
)

// signCommand prints the BERTH-HMAC-SHA256 headers for a request, or a
// complete curl command line, so that any shell or tool can call a
// private function or the API.
func (m *Main) signCommand() *cobra.Command {
	var data, key string
	var headers []string
	var secretStdin, asCurl bool
	cmd := &cobra.Command{
		Use:   "sign METHOD URL",
		Short: "Print the signature headers (or a curl line) for a request",
		Long: `Sign a request with BERTH-HMAC-SHA256 and print the headers to send, one per line,
or with --curl a complete curl command. The secret is read from standard input
(--secret-stdin) or from BERTH_SECRET_KEY; it is never taken from the command line.
Every signature holds a fresh nonce and is valid for five minutes, once.`,
		Example: `  # call a private function with one of its API keys
  echo "$SECRET" | berth sign POST http://127.0.0.1:8080/api/functions/$FN/invoke \
      -d 'hello' --key BFXXXXXXXXXXXXXXXX --secret-stdin --curl | sh

  # the headers alone, for another HTTP client
  BERTH_SECRET_KEY=$SECRET berth sign GET http://127.0.0.1:8080/api/users/me --key BKXXXXXXXXXXXXXXXX`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{errors.New("sign needs METHOD and URL, e.g. berth sign GET http://127.0.0.1:8080/api/users/me --key BK…")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usageError{errors.New("--key is required: the access key (BK…) or API key id (BF…) to sign with")}
			}
			secret, err := m.readSecret(cmd.InOrStdin(), secretStdin)
			if err != nil {
				return err
			}
			body, err := readData(data)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(cmd.Context(), strings.ToUpper(args[0]), args[1], nil)
			if err != nil || req.URL.Host == "" {
				return usageError{fmt.Errorf("%q is not an absolute http(s) URL", args[1])}
			}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return usageError{fmt.Errorf("header %q must be 'Name: value'", h)}
				}
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			if len(body) > 0 && req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "application/octet-stream")
			}
			if err := signing.Sign(req, signing.Credentials{KeyID: key, Secret: secret}, signing.BodyHash(body), time.Now(), signing.NewNonce()); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asCurl {
				_, err = fmt.Fprintln(out, curlLine(req, data))
				return err
			}
			names := make([]string, 0, len(req.Header))
			for k := range req.Header {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
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
	f.StringVar(&key, "key", "", "access key (BK…) or function API key id (BF…)")
	f.BoolVar(&secretStdin, "secret-stdin", false, "read the secret key from standard input")
	f.BoolVar(&asCurl, "curl", false, "print a complete curl command instead of the headers")
	return cmd
}

func (m *Main) readSecret(stdin io.Reader, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		if s := strings.TrimSpace(line); s != "" {
			return s, nil
		}
		return "", usageError{errors.New("--secret-stdin: standard input held no secret")}
	}
	for _, kv := range m.Environ {
		if v, ok := strings.CutPrefix(kv, "BERTH_SECRET_KEY="); ok && v != "" {
			return v, nil
		}
	}
	return "", usageError{errors.New("no secret: pipe it in with --secret-stdin or set BERTH_SECRET_KEY")}
}

func readData(d string) ([]byte, error) {
	if name, ok := strings.CutPrefix(d, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("-d @%s: %w", name, err)
		}
		return b, nil
	}
	return []byte(d), nil
}

// curlLine renders the signed request as a shell-safe curl command.
func curlLine(req *http.Request, data string) string {
	parts := []string{"curl", "-sS", "-X", shellQuote(req.Method)}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
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
