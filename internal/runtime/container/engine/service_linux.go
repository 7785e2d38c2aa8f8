package engine

import "syscall"

// serviceAttr puts the service in its own process group and has the
// kernel send it SIGTERM when berth dies.
func serviceAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
