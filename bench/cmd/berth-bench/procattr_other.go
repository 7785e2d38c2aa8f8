//go:build unix && !linux

package main

import "syscall"

// procAttr puts a child in its own process group. Only Linux can tie the
// child's life to the bench's; elsewhere a killed bench leaves it.
func procAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
