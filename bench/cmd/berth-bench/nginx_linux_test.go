package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// nginxHelperEnv makes TestNginxHelperProcess act as a bench that starts
// nginx and is then killed.
const nginxHelperEnv = "BERTH_BENCH_NGINX_HELPER"

// TestNginxHelperProcess is not a test: TestNginxDiesWithTheBench runs
// the test binary as a bench that starts nginx, prints its group and
// waits to be killed.
func TestNginxHelperProcess(t *testing.T) {
	if os.Getenv(nginxHelperEnv) == "" {
		t.Skip("a helper of TestNginxDiesWithTheBench")
	}
	n, err := startNginx(context.Background(), &cleanups{}, "http://127.0.0.1:9")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(n.proc.pgid())
	select {}
}

// TestNginxDiesWithTheBench kills a bench that runs nginx with SIGKILL,
// which runs no cleanup: the kernel's parent-death signal must end the
// master, and the master its workers.
func TestNginxDiesWithTheBench(t *testing.T) {
	if _, err := nginxPath(); err != nil {
		t.Fatalf("this test runs the real nginx, and it is not here: %v", err)
	}
	// Orphans are handed to this process rather than to init, so that it
	// can reap the master once it exits: an init that reaps late would
	// leave a zombie in the group for a while.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestNginxHelperProcess$")
	// The killed helper cannot remove nginx's directory: it goes with the test's.
	helper.Env = append(os.Environ(), nginxHelperEnv+"=1", "TMPDIR="+t.TempDir())
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	pgid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		_ = helper.Process.Kill()
		_ = helper.Wait()
		t.Fatalf("the helper printed %q", line)
	}
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) }) // if the test fails
	if !waitFor(func() bool { return len(groupMembers(pgid)) >= 2 }) {
		t.Fatalf("nginx's group %d has no worker: %v", pgid, groupMembers(pgid))
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	gone := waitFor(func() bool {
		var ws syscall.WaitStatus
		for {
			pid, err := syscall.Wait4(-pgid, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
	})
	if !gone {
		t.Errorf("10 s after the bench was killed, nginx's group %d still holds %v", pgid, groupMembers(pgid))
	}
}

const prSetChildSubreaper = 36 // linux/prctl.h
