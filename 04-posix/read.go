//go:build linux && (amd64 || arm64)

// The read experiment (notes 001 §1.1.3.1 O_RDONLY): open by name
// read-only, map, print the bytes.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func readCmd(f *cli.Flags) cli.Action {
	off := f.Int("offset", 0, 0, 1<<40, "where to start, in bytes from the start")
	length := f.Int("length", 0, 0, 1<<30, "how many bytes (0: to the end)")
	f.Args(1, 1) // NAME
	return func(args []string) error { return read(args[0], *off, *length) }
}

// read prints the bytes [off, off+n) of the object as text, up to a NUL.
// n == 0 means to the end of the object.
func read(name string, off, n int64) error {
	// O_RDONLY is enough for a PROT_READ mapping.
	fd, st, err := openObject("read", name, unix.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)

	// The range must be inside the object: nothing can be mapped past it.
	if st.Size == 0 {
		return fmt.Errorf("read %s: the object is empty (size 0): nothing to map (give it a size: posix truncate NAME -size N)", cli.Quote(name))
	}
	if n == 0 {
		n = min(st.Size-off, 1<<30)
	}
	if n <= 0 || off+n > st.Size {
		return pastEnd("read", name, off, max(n, 1), st.Size)
	}

	// Map, and copy the text out, up to a NUL as a C string ends (so that
	// only the pages before it are touched). Another process may shrink the
	// object under the mapping meanwhile: the access then raises SIGBUS,
	// which the guard turns into an error line.
	m, rel, err := mapRange(name, fd, off, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	var text string
	if err := fault.Guard(m, func() { text = cstr(m[rel : rel+int(n)]) }); err != nil {
		return fmt.Errorf("read %s: %w", cli.Quote(name), err)
	}
	fmt.Fprintf(cli.Stdout, "%s\n", text)
	return nil
}
