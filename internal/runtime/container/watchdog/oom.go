//go:build linux

package watchdog

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// DefaultOOMFiles are the OOM counters of the container's memory cgroup as
// the container sees them: cgroup v2's memory.events, or cgroup v1's
// memory.oom_control.
func DefaultOOMFiles() []string {
	return []string{"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"}
}

// oomKills returns how many processes of the container the kernel's OOM
// killer has ended, or -1 when the count cannot be read.
func oomKills(files []string) int64 {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			name, value, ok := bytes.Cut(sc.Bytes(), []byte(" "))
			if ok && string(name) == "oom_kill" {
				if n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return -1
}

// preferOOMVictim makes a function's process the OOM killer's first
// choice in the container, before the watchdog: when the function runs
// out of memory, the function dies and the watchdog reports it. Raising
// the score needs no privilege; it is inherited by the process's children.
func preferOOMVictim(pid int) {
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte("1000"), 0)
}
