//go:build linux && (amd64 || arm64)

package procfs

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// StatusKB returns a kB field of /proc/PID/status, such as "VmLck" (memory
// locked by mlock and MAP_LOCKED) or "VmRSS".
func StatusKB(pid, field string) (int64, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if key, val, ok := strings.Cut(sc.Text(), ":"); ok && key == field {
			return parseKB(val), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%s/status: no field %s", pid, field)
}

// VmLck is this process's locked memory in kB.
func VmLck() (int64, error) { return StatusKB("self", "VmLck") }

// Running reports whether pid is a process that has not ended: its
// /proc/PID/stat exists and its state is not Z (zombie) or X (dead).
func Running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses, so the
	// state is the first field after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	st := b[i+2]
	return st != 'Z' && st != 'X'
}
