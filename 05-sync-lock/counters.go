//go:build linux && (amd64 || arm64)

// What the kernel says about a range of memory and a file, for the facts of
// every experiment: smaps' dirty and locked counters over a range, VmLck,
// the filesystem a file lives on. None of it is the lesson; it is how the
// lesson is seen.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
	"shmlab/internal/track"
)

// span is the address range of b.
func span(b []byte) (start, end uintptr) {
	start = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return start, start + uintptr(len(b))
}

// rangeStats sums the smaps counters of every mapping overlapping b. mlock
// and munlock of part of a mapping split it, so one range may be several
// mappings; n says how many.
type rangeStats struct {
	n      int   // mappings overlapping the range
	dirty  int64 // kB: Shared_Dirty + Private_Dirty
	locked int64 // kB: Locked
}

func statsOf(b []byte) (rangeStats, error) {
	ms, err := procfs.Smaps("self")
	if err != nil {
		return rangeStats{}, err
	}
	start, end := span(b)
	var s rangeStats
	for _, m := range procfs.Overlapping(ms, start, end) {
		s.n++
		// A page of a MAP_SHARED file mapping that only this process maps
		// is counted as Private_Dirty: "private" in smaps means mapped once.
		s.dirty += m.SharedDirty + m.PrivateDirty
		s.locked += m.Locked
	}
	if s.n == 0 {
		return s, fmt.Errorf("no mapping at %#x in /proc/self/smaps", start)
	}
	return s, nil
}

// kB formats a counter the way /proc prints it.
func kB(n int64) string { return fmt.Sprintf("%d kB", n) }

func dirtyFact(name string, b []byte) error {
	s, err := statsOf(b)
	if err != nil {
		return err
	}
	cli.Fact(name, kB(s.dirty))
	return nil
}

func lockedFact(name string, b []byte) error {
	s, err := statsOf(b)
	if err != nil {
		return err
	}
	cli.Fact(name, kB(s.locked))
	return nil
}

func vmLckFact(name string) error {
	n, err := procfs.VmLck()
	if err != nil {
		return err
	}
	cli.Fact(name, kB(n))
	return nil
}

// outcome is the value of a fact about a call that may fail on purpose:
// "ok", or the errno symbol ("ENOMEM"). An error without an errno is a real
// failure and is returned.
func outcome(err error) (string, error) {
	if err == nil {
		return "ok", nil
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return cli.ErrnoName(errno), nil
	}
	return "", err
}

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
		return "", false, cli.Sys("statfs "+path, "statfs", err)
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

// fileSize is the size of the file at path, which must be a regular file
// with at least one byte (a mapping of length 0 is EINVAL).
func fileSize(path string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+path, "stat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size == 0 {
		return 0, fmt.Errorf("%s: empty file: there is nothing to map (write something into it first)", path)
	}
	if st.Size > 1<<30 {
		return 0, fmt.Errorf("%s: %d bytes: this lab maps at most 1 GiB", path, st.Size)
	}
	return int(st.Size), nil
}

func syncFlagNames(flags int) string {
	return flagNames(flags, []flagName{{unix.MS_SYNC, "MS_SYNC"}, {unix.MS_ASYNC, "MS_ASYNC"}, {unix.MS_INVALIDATE, "MS_INVALIDATE"}})
}

func lockAllFlagNames(flags int) string {
	return flagNames(flags, []flagName{{unix.MCL_CURRENT, "MCL_CURRENT"}, {unix.MCL_FUTURE, "MCL_FUTURE"}, {unix.MCL_ONFAULT, "MCL_ONFAULT"}})
}

type flagName struct {
	bit  int
	name string
}

func flagNames(flags int, names []flagName) string {
	var parts []string
	for _, n := range names {
		if flags&n.bit != 0 {
			parts = append(parts, n.name)
			flags &^= n.bit
		}
	}
	if flags != 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%#x", flags))
	}
	return strings.Join(parts, "|")
}

// initialContent is what the experiments that write into a file put in it
// first.
const initialContent = "hello, page cache\n"

// createFile creates the file the msync experiments write into, with
// O_EXCL: they store into it through a shared mapping, so they never touch
// a file that was there before (as root, that could be any file). The file
// is recorded for a scenario's cleanup; remove deletes it unless keep.
func createFile(path string, keep bool) (remove func(), err error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, cli.SysHint("create "+path, "open", err,
			"the experiment writes into the file through a mapping, so it creates a new one: name a file that does not exist")
	}
	track.File(path)
	_, err = unix.Write(fd, []byte(initialContent))
	unix.Close(fd)
	if err != nil {
		unix.Unlink(path)
		return nil, cli.Sys("write "+path, "write", err)
	}
	return func() {
		if !keep {
			unix.Unlink(path)
		}
	}, nil
}

// tempFile makes a file holding content in a new directory under dir ("" is
// the default temporary directory), for the tour; done removes both.
func tempFile(dir, content string) (string, func(), error) {
	d, err := os.MkdirTemp(dir, "shmlab-synclock-")
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(d, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		os.RemoveAll(d)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(d) }, nil
}
