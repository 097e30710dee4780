//go:build linux && (amd64 || arm64)

// What the experiments that map a file by its path share: the size check
// before mapping, the mapping of a byte range (write and read), and the
// error line when MapFile fails.

package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
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

// fileSize is the size of a regular file; a directory is refused with the
// errno open(O_RDWR) would give it.
func fileSize(path string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return 0, cli.SysHint("map "+cli.Quote(path), "open", unix.EISDIR, "a directory cannot be mapped")
	}
	return st.Size, nil
}
