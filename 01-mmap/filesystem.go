//go:build linux && (amd64 || arm64)

// Which filesystem a file lives on, and how it is mounted: what a page past
// the end of a file becomes (tmpfs keeps it, a disk filesystem zeroes it),
// and whether PROT_EXEC is allowed (not on a noexec mount), depend on it.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// fsNames are the statfs(2) f_type magic numbers of the filesystems a
// learner is likely to run on.
var fsNames = map[int64]string{
	0xef53:     "ext2/ext3/ext4",
	0x01021994: "tmpfs",
	0x858458f6: "ramfs",
	0x58465342: "xfs",
	0x9123683e: "btrfs",
	0x794c7630: "overlayfs",
	0xf2f52010: "f2fs",
	0x2fc12fc1: "zfs",
	0x6969:     "nfs",
	0x65735546: "fuse",
}

// statfs describes the filesystem path is on.
func statfs(path string) (unix.Statfs_t, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return st, cli.Sys("statfs "+cli.Quote(path), "statfs", err)
	}
	return st, nil
}

// filesystemFact prints the filesystem path lives on.
func filesystemFact(path string) error {
	st, err := statfs(path)
	if err != nil {
		return err
	}
	name, ok := fsNames[int64(st.Type)]
	if !ok {
		name = "unknown"
	}
	cli.Fact("filesystem", fmt.Sprintf("%s (f_type %#x)", name, st.Type))
	return nil
}
