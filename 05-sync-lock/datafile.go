//go:build linux && (amd64 || arm64)

// The files the experiments map: the one msync and invalidate create to
// write into, the tour's temporary ones, the checks before mapping or
// opening one (a regular file, never a FIFO), and the guard around every
// access to a file mapping, which another process may shrink.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/track"
)

// initialContent is what the experiments that write into a file put in it
// first.
const initialContent = "hello, page cache\n"

// createFile creates the file the msync experiments write into, with
// O_EXCL|O_NOFOLLOW: they store into it through a shared mapping, so they
// never touch a file that was there before (as root, that could be any
// file), nor a FIFO, nor anything a symlink points to. The file is
// recorded for a scenario's cleanup, and registered with cli.Made: an
// interrupted run removes it, even with keep (the run did not finish).
// done removes it unless keep.
func createFile(path string, keep bool) (done func(), err error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, cli.SysHint("create "+cli.Quote(path), "open", err,
			"the experiment writes into the file through a mapping, so it creates a new one: name a file that does not exist")
	}
	var kept atomic.Bool
	remove := cli.Made(func() {
		if !kept.Load() {
			unix.Unlink(path)
		}
	})
	track.File(path)
	_, err = unix.Write(fd, []byte(initialContent))
	unix.Close(fd)
	if err != nil {
		remove()
		return nil, cli.Sys("write "+cli.Quote(path), "write", err)
	}
	return func() { kept.Store(keep); remove() }, nil
}

// tempFile makes a file holding content in a new directory under dir ("" is
// the default temporary directory), for the tour; done removes both. They
// are registered with cli.Made: an interrupted tour removes them too.
func tempFile(dir, content string) (string, func(), error) {
	d, err := os.MkdirTemp(dir, "shmlab-synclock-")
	if err != nil {
		return "", nil, err
	}
	remove := cli.Made(func() { os.RemoveAll(d) })
	path := filepath.Join(d, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		remove()
		return "", nil, err
	}
	return path, remove, nil
}

// fileSize is the size of the file at path, which must be a regular file
// with at least one byte (a mapping of length 0 is EINVAL) and at most
// 1 GiB. Anything else is refused in one line naming what it is, before it
// is opened: a FIFO would make open wait for a writer for ever.
func fileSize(path string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	if err := regular(path, st.Mode); err != nil {
		return 0, err
	}
	if st.Size == 0 {
		return 0, fmt.Errorf("%s: empty file: there is nothing to map (write something into it first)", cli.Quote(path))
	}
	if st.Size > maxMap {
		return 0, fmt.Errorf("%s: %d bytes: this lab maps at most %d bytes (1 GiB)", cli.Quote(path), st.Size, maxMap)
	}
	return int(st.Size), nil
}

// maxMap bounds the file an experiment maps.
const maxMap = 1 << 30

// regular refuses a file whose mode is not S_IFREG, naming its kind.
func regular(path string, mode uint32) error {
	if mode&unix.S_IFMT == unix.S_IFREG {
		return nil
	}
	kind, ok := map[uint32]string{
		unix.S_IFDIR:  "a directory",
		unix.S_IFIFO:  "a FIFO (named pipe)",
		unix.S_IFCHR:  "a character device",
		unix.S_IFBLK:  "a block device",
		unix.S_IFSOCK: "a socket",
		unix.S_IFLNK:  "a symbolic link",
	}[mode&unix.S_IFMT]
	if !ok {
		kind = fmt.Sprintf("a file of type %#o", mode&unix.S_IFMT)
	}
	return fmt.Errorf("%s: %s, not a regular file: this lab maps only regular files, and refuses the rest without opening them", cli.Quote(path), kind)
}

// openFile opens path outside the lesson (flags O_RDONLY or O_WRONLY): with
// O_NONBLOCK, so that a FIFO put there meanwhile cannot block the open, and
// O_NOFOLLOW; then fstat refuses anything but a regular file, and
// O_NONBLOCK is cleared again.
func openFile(path string, flags int) (*os.File, error) {
	fd, err := unix.Open(path, flags|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, cli.Sys("open "+cli.Quote(path), "open", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, cli.Sys("stat "+cli.Quote(path), "fstat", err)
	}
	if err := regular(path, st.Mode); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, cli.Sys("open "+cli.Quote(path), "fcntl F_SETFL", err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// guard runs f, which reads or writes m, a mapping of path from its start.
// If the file shrank under the mapping (another process truncated it) or a
// page cannot be backed (a full tmpfs), the access raises SIGBUS: that
// becomes one error line instead of a crash of the program.
func guard(what, path string, m []byte, f func()) error {
	if err := fault.Guard(m, f); err != nil {
		return fmt.Errorf("%s %s: %w", what, cli.Quote(path), err)
	}
	return nil
}

// mapFileErr reports what MapFile returned: "open FILE" when the open
// failed, "map FILE" when mmap did.
func mapFileErr(path string, err error) error {
	what := "map " + cli.Quote(path)
	var sc *os.SyscallError
	if errors.As(err, &sc) && sc.Syscall == "open" {
		what = "open " + cli.Quote(path)
	}
	return cli.Sys(what, "mmap", err)
}
