//go:build linux && (amd64 || arm64)

// Who maps an object: counted from /proc/PID/maps, for mapped and unlink.

package main

import (
	"fmt"
	"os"
	"strconv"

	"shmlab/internal/procfs"
)

// processes is "1 process" or "N processes".
func processes(n int) string {
	if n == 1 {
		return "1 process"
	}
	return fmt.Sprintf("%d processes", n)
}

// mappers counts the processes whose /proc/PID/maps has a mapping of path,
// also after it was unlinked (the kernel then shows "PATH (deleted)").
// Processes of other users are counted only when this one may read their
// maps (root may).
func mappers(path string) int {
	dirs, _ := os.ReadDir("/proc")
	n := 0
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		ms, err := procfs.Maps(d.Name())
		if err != nil {
			continue
		}
		for _, m := range ms {
			if m.Path == path || m.Path == path+" (deleted)" {
				n++
				break
			}
		}
	}
	return n
}
