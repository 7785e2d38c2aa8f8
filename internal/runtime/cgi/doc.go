// Package cgi holds the WAGI/CGI contract that berth's runtimes share: the
// environment a function sees for a request (Environ) and the parsing of
// the CGI response it writes on stdout (Parse). The wasm runtime applies it
// to a WebAssembly module, the container runtime to a process started by
// the watchdog in exec mode.
//
// Every error Parse returns wraps berth.ErrBadResponse and reads as a
// sentence the function's author can act on. The package never logs and
// keeps no state: responses and environments carry secrets.
package cgi
