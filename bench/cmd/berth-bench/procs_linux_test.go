package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunProcEndsGroup cancels a command whose child outlives it: the
// whole group must go, not the command alone.
func TestRunProcEndsGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.Command("sh", "-c", "sleep 60 & echo $$; wait")
	// A pipe the command owns: the test never touches a file the starting
	// goroutine hands to the child.
	r, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- runProc(ctx, &cleanups{}, cmd) }()
	line, _ := bufio.NewReader(r).ReadString('\n')
	pgid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("sh printed %q", line)
	}
	if !waitFor(func() bool { return len(groupMembers(pgid)) == 2 }) {
		t.Fatalf("the group holds %v, want sh and its sleep", groupMembers(pgid))
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("runProc = %v, want context.Canceled", err)
	}
	if !waitFor(func() bool { return len(groupMembers(pgid)) == 0 }) {
		t.Errorf("left running in the group: %v", groupMembers(pgid))
	}
}

// groupMembers lists the pids in the process group that are still
// running (zombies are left out: they wait for init to reap them), from
// /proc.
func groupMembers(pgid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces.
		i := strings.LastIndexByte(string(b), ')')
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) && fields[0] != "Z" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitFor polls ok for up to 10 s and returns its last answer.
func waitFor(ok func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}
