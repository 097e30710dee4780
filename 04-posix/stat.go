//go:build linux && (amd64 || arm64)

// The stat experiment (notes 001 §1.1.3.1, §1.1): an object has a size, a
// mode and an owner like any file, and lives on tmpfs.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func statCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // NAME
	return func(args []string) error { return stat(args[0]) }
}

func tourStat() error {
	name := tourName("s")
	defer ShmUnlink(name)
	cli.Say("fstat: a size, a mode and an owner, like any file; fstatfs: it lives on")
	cli.Say("tmpfs, in memory (pages that may be swapped), not on a disk.")

	// A 0640 object of 2 pages, whatever the caller's umask.
	um := unix.Umask(0o022)
	defer unix.Umask(um)
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o640)
	if err != nil {
		return shmErr("shm_open "+name, "shm_open", err)
	}
	err = Resize(fd, 8192)
	unix.Close(fd)
	if err != nil {
		return shmErr("set the size of "+name, "ftruncate", err)
	}
	return stat(name)
}

// tmpfsMagic is TMPFS_MAGIC from <linux/magic.h>, the f_type of tmpfs.
const tmpfsMagic = 0x01021994

func stat(name string) error {
	fd, err := ShmOpen(name, unix.O_RDONLY, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)

	// fstat: what the object is; fstatfs: the file system it is on.
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	var fsst unix.Statfs_t
	if err := unix.Fstatfs(fd, &fsst); err != nil {
		return cli.Sys("stat "+cli.Quote(name), "fstatfs", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("stat %s: not a shared memory object but a directory or other special file in %s (shm_open O_RDONLY opened it; mmap would refuse it with ENODEV)", cli.Quote(name), ShmDir)
	}
	fsName := fmt.Sprintf("f_type %#x", fsst.Type)
	if fsst.Type == tmpfsMagic {
		fsName = "tmpfs"
	}
	path, _ := ShmPath(name)
	cli.Fact("path", path)
	cli.Fact("type", "regular file")
	cli.Fact("size", st.Size)
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("uid", st.Uid)
	cli.Fact("gid", st.Gid)
	cli.Fact("links", st.Nlink)
	cli.Fact("file system", fsName)
	return nil
}
