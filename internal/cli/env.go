package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Env is what the commands read and write: the process's streams and
// environment, passed in so that tests and other programs can run them.
type Env struct {
	Stdin   io.Reader // nil reads as empty, not a terminal
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string // KEY=value, like os.Environ
	Version string   // for the User-Agent
}

// Getenv returns the value of an environment variable, or "".
func (e *Env) Getenv(key string) string {
	for i := len(e.Environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(e.Environ[i], key+"="); ok {
			return v
		}
	}
	return ""
}

func (e *Env) stdin() io.Reader {
	if e.Stdin == nil {
		return strings.NewReader("")
	}
	return e.Stdin
}

// fdOf returns the file descriptor of a stream that is a terminal.
func fdOf(s any) (int, bool) {
	f, ok := s.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// isTerminal reports whether s is an interactive terminal.
func isTerminal(s any) bool {
	_, ok := fdOf(s)
	return ok
}

// noColour is the variable that turns colour off (https://no-color.org).
const noColour = "NO_COLOR" //nolint:misspell // the convention's spelling

// colour reports whether to colour output written to w: only on a
// terminal, never when the no-colour variable is set to a non-empty value
// or with TERM=dumb.
func (e *Env) colour(w io.Writer) bool {
	return e.Getenv(noColour) == "" && e.Getenv("TERM") != "dumb" && isTerminal(w)
}

// ANSI colours; every code has the same length so that painted cells line
// up in a tabwriter table when a whole column is painted.
const (
	green   = "32"
	red     = "31"
	yellow  = "33"
	cyan    = "36"
	plain   = "39"
	resetSG = "\x1b[0m"
)

func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return "\x1b[" + code + "m" + s + resetSG
}

// statusColour picks a colour for a status word.
func statusColour(status string) string {
	switch status {
	case "active", "ready", "success", "ok":
		return green
	case "failed", "error", "timeout", "out_of_memory", "revoked", "expired", "rejected":
		return red
	case "pending_deletion", "building", "initialized":
		return yellow
	}
	return plain
}

// prompt asks for one line on the terminal. It refuses when standard
// input is not a terminal, naming the flag that replaces the question.
func (e *Env) prompt(question, instead string) (string, error) {
	if !isTerminal(e.Stdin) {
		return "", UsageError{fmt.Errorf("standard input is not a terminal, so berth cannot ask for %s: %s", question, instead)}
	}
	fmt.Fprintf(e.Stderr, "%s: ", capitalise(question))
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// promptSecret asks for a secret on the terminal without echoing it.
func (e *Env) promptSecret(question, instead string) (string, error) {
	fd, ok := fdOf(e.Stdin)
	if !ok {
		return "", UsageError{fmt.Errorf("standard input is not a terminal, so berth cannot ask for %s: %s", question, instead)}
	}
	fmt.Fprintf(e.Stderr, "%s: ", capitalise(question))
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.Stderr)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", question, err)
	}
	return string(b), nil
}

// confirm asks a yes/no question on the terminal; without a terminal it
// refuses unless yes is already given.
func (e *Env) confirm(question string, yes bool) error {
	if yes {
		return nil
	}
	if !isTerminal(e.Stdin) {
		return usagef("%s Add --yes to confirm (standard input is not a terminal, so berth cannot ask)", question)
	}
	fmt.Fprintf(e.Stderr, "%s [y/N] ", question)
	answer, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("cancelled: nothing was changed")
	}
	return nil
}

// readStdinSecret reads a secret from standard input: the first line,
// trimmed. Empty input is a usage error naming what was expected.
func (e *Env) readStdinSecret(what string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(e.stdin(), 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if s := strings.TrimSpace(line); s != "" {
		return s, nil
	}
	return "", usagef("standard input held no %s", what)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// httpClient is the client for the API: no overall timeout (uploads,
// streams and slow functions take what they take; Ctrl-C cancels), but
// bounded connection set-up and a bound on waiting for the answer's
// headers.
func httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 6 * time.Minute // above the longest function timeout and compile time
	return &http.Client{Transport: t}
}

// hostname names this machine in keypair names.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "this machine"
	}
	return h
}
