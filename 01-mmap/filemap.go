//go:build linux && (amd64 || arm64)

// What the experiments that map a file by its path share: the check that it
// is a regular file and its size, before mapping; an open for read() that no
// FIFO can block; the mapping of a byte range (write and read); the error
// line when MapFile fails; and the guard around every access to a file
// mapping, which another process may shrink under it.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

// mapHints say what to do about the errors of mapping a file.
var mapHints = map[unix.Errno]string{
	unix.EACCES: "the file's mode does not allow the access this mapping needs (ls -l)",
	unix.ENODEV: "this kind of file cannot be mapped",
	unix.EINVAL: "the offset must be a multiple of the page size and the length more than 0",
}

// mapFileErr reports what MapFile returned: "open FILE" when the open
// failed, "map FILE" when mmap did, with the hint for the errno.
func mapFileErr(path string, err error) error {
	what := "map " + cli.Quote(path)
	var sc *os.SyscallError
	if errors.As(err, &sc) && sc.Syscall == "open" {
		what = "open " + cli.Quote(path)
	}
	return cli.WithHints(cli.Sys(what, "mmap", err), mapHints)
}

// mapRange maps the pages of path that hold [off, off+n) and returns the
// mapping and where off falls in it. mmap wants a page-aligned offset, so the
// mapping starts at the page that holds off. A range past the end of the file
// is refused here: touching it through the mapping would raise SIGBUS.
func mapRange(path string, off int64, n int, prot int) ([]byte, int, error) {
	size, err := fileSize(path)
	if prot&unix.PROT_WRITE != 0 {
		size, err = writableSize(path)
	}
	if err != nil {
		return nil, 0, err
	}
	if off+int64(n) > size {
		return nil, 0, fmt.Errorf("%s: bytes %d..%d are past the end of the file (size %d): a mapping there would raise SIGBUS; grow the file first (truncate -s)", cli.Quote(path), off, off+int64(n), size)
	}
	ps := int64(PageSize())
	start := off / ps * ps
	m, err := MapFile(path, start, int(off-start)+n, prot, unix.MAP_SHARED)
	if err != nil {
		return nil, 0, mapFileErr(path, err)
	}
	return m, int(off - start), nil
}

// fileSize is the size of the regular file at path. Anything else is
// refused before it is opened, in one line naming what it is: a FIFO would
// make open wait for a writer for ever, a device may act on open, and
// neither holds pages a mapping could show. stat follows a symlink: reading
// through one is fine; what is refused is the kind of file at its end.
func fileSize(path string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	if err := cli.Regular(path, st.Mode); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// writableSize is fileSize for an experiment that writes into the file
// through a mapping: a symbolic link is refused too (lstat), so that a link
// planted in a shared directory never leads a write elsewhere.
func writableSize(path string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "lstat", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return 0, fmt.Errorf("%s: a symbolic link: this experiment writes into the file, and never through a link (name the file itself)", cli.Quote(path))
	}
	if err := cli.Regular(path, st.Mode); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// maxMap bounds what an experiment maps of a file in one piece.
const maxMap = 1 << 30

// wholeFile is the size of the regular file at path, for an experiment that
// maps all of it (and writes into it if write): at most maxMap bytes.
func wholeFile(path string, write bool) (int, error) {
	size, err := fileSize(path)
	if write {
		size, err = writableSize(path)
	}
	if err != nil {
		return 0, err
	}
	if size > maxMap {
		return 0, fmt.Errorf("%s: %d bytes: this experiment maps a whole file, of at most %d bytes (1 GiB)", cli.Quote(path), size, maxMap)
	}
	return int(size), nil
}

// readAt reads n bytes at off with pread(2): plain file I/O, no mapping.
func readAt(path string, off int64, n int) (string, error) {
	f, err := cli.OpenRegular(path, unix.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, n)
	k, err := f.ReadAt(buf, off)
	if k == 0 && err != nil && err != io.EOF {
		return "", cli.Sys("read "+cli.Quote(path), "pread", err)
	}
	return string(buf[:k]), nil
}

// guard runs f, which reads or writes m, a mapping of path that starts at
// file offset start. If the file shrank under the mapping (another process
// truncated it) or a page cannot be backed (its tmpfs is full), the access
// raises SIGBUS: that becomes one error line naming the file offset,
// instead of a crash of the program.
func guard(what, path string, start int64, m []byte, f func()) error {
	err := fault.Guard(m, f)
	var g *fault.Gone
	if errors.As(err, &g) {
		return fmt.Errorf("%s %s: %w", what, cli.Quote(path), &fault.Gone{Offset: int(start) + g.Offset})
	}
	return err
}
