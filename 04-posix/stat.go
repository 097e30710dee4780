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
	cli.Say("fstat: a size, a mode and an owner, like any file; fstatfs: it lives on")
	cli.Say("tmpfs, in memory (pages that may be swapped), not on a disk.")

	// A 0640 object of 2 pages, whatever the caller's umask.
	um := unix.Umask(0o022)
	defer unix.Umask(um)
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o640)
	if err != nil {
		return shmErr("shm_open "+name, "shm_open", err)
	}
	defer made(shmFile(name))()
	defer ShmUnlink(name)
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
	// fstat: what the object is (openObject refuses a FIFO or a device
	// someone put at the name); fstatfs: the file system it is on.
	fd, st, err := openObject("stat", name, unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var fsst unix.Statfs_t
	if err := unix.Fstatfs(fd, &fsst); err != nil {
		return cli.Sys("stat "+cli.Quote(name), "fstatfs", err)
	}
	fsName := fmt.Sprintf("f_type %#x", fsst.Type)
	if fsst.Type == tmpfsMagic {
		fsName = "tmpfs"
	}
	path, _ := ShmPath(name)
	cli.Fact("path", cli.Quote(path))
	// A shared memory object is a regular file; shm_open O_RDONLY also
	// opens a directory planted in /dev/shm (mmap then says ENODEV).
	cli.Fact("type", fileType(st.Mode))
	cli.Fact("size", st.Size)
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("uid", st.Uid)
	cli.Fact("gid", st.Gid)
	cli.Fact("links", st.Nlink)
	cli.Fact("file system", fsName)
	return nil
}

// fileType names the type bits of a mode as stat(1) does.
func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "regular file"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "symbolic link"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "character special file"
	case unix.S_IFBLK:
		return "block special file"
	}
	return fmt.Sprintf("type %#o", mode&unix.S_IFMT)
}
