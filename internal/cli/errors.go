package cli

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/berth-platform/berth/client"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	ExitAuth  = 4 // no context, or the server answered 401
)

// UsageError is a mistake in the command line (exit code 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode is 2.
func (UsageError) ExitCode() int { return ExitUsage }

// usagef returns a UsageError.
func usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// AuthError means there are no credentials to use (exit code 4).
type AuthError struct{ Err error }

func (e AuthError) Error() string { return e.Err.Error() }
func (e AuthError) Unwrap() error { return e.Err }

// ExitCode is 4.
func (AuthError) ExitCode() int { return ExitAuth }

// quietError ends a command with an exit code after the command itself
// has said why (e.g. a function that answered 500 to berth fn invoke).
type quietError struct{ code int }

func (e quietError) Error() string { return "" }
func (e quietError) ExitCode() int { return e.code }

// ExitCode maps an error to the process exit code: an error that has an
// ExitCode method decides; a 401 from the server is 4; anything else is 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	if client.StatusOf(err) == 401 {
		return ExitAuth
	}
	return ExitError
}

// Message renders err as one line for "berth: <message>", or "" when the
// command has already reported it. A server problem reads as its status
// and detail; an unreachable server says so.
func Message(err error) string {
	msg := err.Error()
	var ce *client.Error
	if errors.As(err, &ce) {
		msg = strings.Replace(msg, ce.Error(), describeProblem(ce), 1)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		addr := ""
		if oe.Addr != nil {
			addr = " at " + oe.Addr.String()
		}
		friendly := fmt.Sprintf("cannot reach the server%s: %v; is it running? 'berth context list' shows the server of each context", addr, oe.Err)
		msg = strings.Replace(msg, transportMessage(err, oe), friendly, 1)
	}
	return strings.Join(strings.Fields(msg), " ")
}

// transportMessage is the part of err's message that the failed
// connection wrote: from the client's "client: METHOD URL: …" on.
func transportMessage(err error, oe *net.OpError) string {
	part := oe.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if m := e.Error(); strings.HasPrefix(m, "client: ") {
			part = m // the innermost one: outer errors may start the same way
		}
	}
	return part
}

// describeProblem is a problem without the client's "berth: " prefix,
// with a hint for the answers people can act on.
func describeProblem(e *client.Error) string {
	msg := strings.TrimPrefix(e.Error(), "berth: ")
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry in %s)", e.RetryAfter)
	}
	return msg
}
