//go:build linux && (amd64 || arm64)

// The read experiment (notes 001 §1.1.3.1 O_RDONLY): open by name
// read-only, map, print the bytes.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
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
	fd, err := ShmOpen(name, unix.O_RDONLY, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)

	// The range must be inside the object: nothing can be mapped past it.
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	if st.Size == 0 {
		return fmt.Errorf("read %s: the object is empty (size 0): nothing to map (give it a size: posix truncate NAME -size N)", cli.Quote(name))
	}
	if n == 0 {
		n = min(st.Size-off, 1<<30)
	}
	if n <= 0 || off+n > st.Size {
		return pastEnd("read", name, off, max(n, 1), st.Size)
	}

	// Map and print, up to a NUL as a C string would.
	m, rel, err := mapRange(name, fd, off, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	fmt.Fprintf(cli.Stdout, "%s\n", cstr(m[rel:rel+int(n)]))
	return nil
}
