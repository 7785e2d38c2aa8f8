//go:build !linux

package engine

import "syscall"

// serviceAttr puts the service in its own process group. (Only Linux can
// have the kernel stop it when berth dies.)
func serviceAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
