package main

import "syscall"

// procAttr puts a child in its own process group and has the kernel send
// it deathSig when the bench dies.
func procAttr(deathSig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathSig}
}
