//go:build linux && (amd64 || arm64)

// What this process holds on an object, read back from the kernel: its
// descriptors (/proc/self/fd), their flags (/proc/self/fdinfo) and its
// mappings (/proc/self/maps). The experiments print these as facts, so that
// a scenario checks what the lesson's calls really did, not what they were
// meant to do.

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/procfs"
)

// closeOnExec reads the flags of descriptor fd from /proc/self/fdinfo (the
// "flags:" line, octal, with O_CLOEXEC for FD_CLOEXEC) and says whether it
// is closed on exec, as glibc's shm_open makes it.
func closeOnExec(fd int) (bool, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			if err != nil {
				return false, fmt.Errorf("/proc/self/fdinfo/%d: flags %q: %v", fd, v, err)
			}
			return flags&unix.O_CLOEXEC != 0, nil
		}
	}
	return false, fmt.Errorf("/proc/self/fdinfo/%d has no flags line", fd)
}

// descriptorsOn counts the descriptors this process holds on the file at
// path (procfs.DescriptorsOn: the /proc/self/fd entries of its inode).
func descriptorsOn(path string) (int, error) { return procfs.DescriptorsOn(path) }

// mappingsOf counts this process's mappings of the file at path, also
// after it was unlinked ("PATH (deleted)").
func mappingsOf(path string) (int, error) {
	ms, err := procfs.Maps("self")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if m.Path == path || m.Path == path+" (deleted)" {
			n++
		}
	}
	return n, nil
}
