// Package cli holds berth's client commands — login and contexts,
// functions, API keys and keypairs, stats, sign and curl — as cobra
// commands built on the public client package. cmd/berth adds them to its
// root command beside serve.
//
// Commands talk to people in tables and to scripts in JSON or YAML (-o),
// and end with an exit code: 0 ok, 1 error, 2 usage, 4 not authenticated.
//
// This package must never print or log a secret, except where a command
// exists to show one once (keys create, keypair create); must never prompt
// unless standard input is a terminal; and must never write the
// configuration file other than atomically with mode 0600.
package cli
