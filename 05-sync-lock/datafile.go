//go:build linux && (amd64 || arm64)

// The files the experiments map: the one msync and invalidate create to
// write into, the tour's temporary ones, and the checks before mapping one.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

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
		return nil, cli.SysHint("create "+cli.Quote(path), "open", err,
			"the experiment writes into the file through a mapping, so it creates a new one: name a file that does not exist")
	}
	track.File(path)
	_, err = unix.Write(fd, []byte(initialContent))
	unix.Close(fd)
	if err != nil {
		unix.Unlink(path)
		return nil, cli.Sys("write "+cli.Quote(path), "write", err)
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

// fileSize is the size of the file at path, which must be a regular file
// with at least one byte (a mapping of length 0 is EINVAL).
func fileSize(path string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, fmt.Errorf("%s: not a regular file", cli.Quote(path))
	}
	if st.Size == 0 {
		return 0, fmt.Errorf("%s: empty file: there is nothing to map (write something into it first)", cli.Quote(path))
	}
	if st.Size > 1<<30 {
		return 0, fmt.Errorf("%s: %d bytes: this lab maps at most 1 GiB", cli.Quote(path), st.Size)
	}
	return int(st.Size), nil
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
