//go:build linux && (amd64 || arm64)

// Mapping a range of an object, and reading what a mapping holds, for the
// experiments that read and write bytes.

package main

import (
	"bytes"
	"fmt"
	"os"

	"shmlab/internal/cli"
)

// mapRange maps the pages of the object that hold [off, off+n) and returns
// the mapping and where off falls in it (mmap wants a page-aligned offset).
func mapRange(name string, fd int, off int64, n int, prot int) ([]byte, int, error) {
	ps := int64(os.Getpagesize())
	start := off / ps * ps
	m, err := Map(fd, start, int(off-start)+n, prot)
	if err != nil {
		return nil, 0, shmErr("map "+cli.Quote(name), "mmap", err)
	}
	return m, int(off - start), nil
}

// pastEnd is the error for a range the object does not hold: a mapping
// there would raise SIGBUS, so it is refused before.
func pastEnd(verb, name string, off, n, size int64) error {
	return fmt.Errorf("%s %s: bytes %d..%d are past the end of the object (size %d): a mapping there would raise SIGBUS (grow it: posix truncate NAME -size N)",
		verb, cli.Quote(name), off, off+n, size)
}

// cstr is the text at the start of b, up to a NUL (as a C string ends).
func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
