//go:build linux && (amd64 || arm64)

// Which filesystem a file lives on, and whether it has storage behind it:
// msync has something to write only where it does.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// Filesystem magic numbers (statfs(2) f_type) of the filesystems a learner
// is likely to run on.
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

// filesystem names the filesystem path lives on, and says whether it has
// storage behind it (tmpfs and ramfs keep pages only in memory and swap).
func filesystem(path string) (name string, storage bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", false, cli.Sys("statfs "+cli.Quote(path), "statfs", err)
	}
	t := int64(st.Type)
	name, ok := fsNames[t]
	if !ok {
		name = "unknown"
	}
	storage = t != 0x01021994 && t != 0x858458f6
	return fmt.Sprintf("%s (f_type %#x)", name, t), storage, nil
}

func filesystemFacts(path string) (storage bool, err error) {
	name, storage, err := filesystem(path)
	if err != nil {
		return false, err
	}
	cli.Fact("filesystem", name)
	cli.Fact("backed by storage", cli.YesNo(storage))
	return storage, nil
}
