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

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

// initialContent is what the experiments that write into a file put in it
// first.
const initialContent = "hello, page cache\n"

// createFile creates the file the msync experiments write into, holding
// initialContent (cli.CreateFile: O_EXCL|O_NOFOLLOW, removed on interrupt,
// kept at the end if keep).
func createFile(path string, keep bool) (done func(), err error) {
	return cli.CreateFile(path, initialContent, keep)
}

// tempFile makes a tour's file holding content in a new directory under dir.
func tempFile(dir, content string) (string, func(), error) {
	return cli.TempFile(dir, "shmlab-synclock-", content)
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
	if err := cli.Regular(path, st.Mode); err != nil {
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
