//go:build linux && (amd64 || arm64)

package procfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Statfs is statfs(2)'s answer, as Filesystem returns it.
type Statfs = unix.Statfs_t

// DescriptorsOn counts the descriptors this process holds on the file at
// path: the entries of /proc/self/fd that lead to the same device and
// inode. A mapping keeps its file open on its own, without a descriptor, so
// a lesson that closes its descriptor after mmap leaves the count at 0.
func DescriptorsOn(path string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, os.NewSyscallError("stat", err)
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

// Filesystem names the filesystem path lives on ("tmpfs (f_type
// 0x1021994)"), and says whether it has storage behind it: tmpfs and ramfs
// keep pages only in memory (and swap), so msync has nowhere to write them
// and a page past the end of a file stays as it was written. It returns
// the statfs result too, for its flags (ST_NOEXEC).
func Filesystem(path string) (name string, storage bool, st unix.Statfs_t, err error) {
	if err := unix.Statfs(path, &st); err != nil {
		return "", false, st, os.NewSyscallError("statfs", err)
	}
	t := int64(st.Type)
	n, ok := fsNames[t]
	if !ok {
		n = "unknown"
	}
	return fmt.Sprintf("%s (f_type %#x)", n, t), t != unix.TMPFS_MAGIC && t != unix.RAMFS_MAGIC, st, nil
}
