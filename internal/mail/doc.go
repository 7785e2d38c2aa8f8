// Package mail is how berth sends mail: one message at a time (plain text,
// with an HTML alternative when there is one),
// through the SMTP server an admin configured (SMTP), or, when none is, into
// the log (Log).
//
// It validates every message before it leaves, so that a recipient or a
// subject taken from a request cannot add headers or recipients. It must
// never log a message's text, which may carry a secret such as a temporary
// password, and never put the SMTP password into a log line or an error.
package mail
