//go:build linux && (amd64 || arm64)

// The descriptors this process holds on a file, read from /proc/self/fd:
// MapFile closes its descriptor, and the mapping keeps the file open on its
// own, so while a file is mapped the count stays 0.

package main

import (
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// descriptorsOn counts the entries of /proc/self/fd that lead to the file
// at path (same device and inode).
func descriptorsOn(path string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		var o unix.Stat_t
		if unix.Stat("/proc/self/fd/"+e.Name(), &o) == nil && o.Dev == st.Dev && o.Ino == st.Ino {
			n++
		}
	}
	return n, nil
}

// descriptorsFact prints how many descriptors this process holds on path.
func descriptorsFact(path string) error {
	n, err := descriptorsOn(path)
	if err != nil {
		return err
	}
	cli.Fact("descriptors open on the file", n)
	return nil
}
