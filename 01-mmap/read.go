//go:build linux && (amd64 || arm64)

// read: a TLPI-style tool. It prints the bytes of FILE from -offset, read
// through a mapping, up to the first NUL (notes 001 §1.1.1.1).

package main

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func readCmd(f *cli.Flags) cli.Action {
	off := f.Int("offset", 0, 0, 1<<62, "where to start, in bytes from the start of FILE")
	length := f.Int("length", 0, 1, 1<<30, "how many bytes to read (default: to the end of FILE)")
	f.Args(1, 1) // FILE
	return func(args []string) (err error) {
		path, n := args[0], int(*length)
		if n == 0 {
			// No -length: from -offset to the end of the file.
			size, err := fileSize(path)
			if err != nil {
				return err
			}
			if size == *off {
				fmt.Fprintln(cli.Stdout) // nothing left to read
				return nil
			}
			// Past the end of the file, mapRange below refuses it.
			n = int(min(max(size-*off, 1), 1<<30))
		}
		// Map the pages that hold the range, read-only.
		m, rel, err := mapRange(path, *off, n, unix.PROT_READ)
		if err != nil {
			return err
		}
		defer unmapAtEnd(m, &err)
		// Print the bytes as text, up to a NUL (as a C string would end),
		// straight from the mapping. Guarded: a file another process
		// truncated meanwhile raises SIGBUS on the pages it lost.
		b := m[rel : rel+n]
		start := *off - int64(rel)
		return guard("read", path, start, m, func() {
			if i := bytes.IndexByte(b, 0); i >= 0 {
				b = b[:i]
			}
			cli.Stdout.Write(b)
			fmt.Fprintln(cli.Stdout)
		})
	}
}
