//go:build linux && (amd64 || arm64)

// write: a TLPI-style tool. It stores TEXT into FILE at -offset through a
// MAP_SHARED mapping, so that cat, dd, Python or another chapter's program
// read it back with plain file I/O (notes 001 §1.1.1.1).

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func writeCmd(f *cli.Flags) cli.Action {
	off := f.Int("offset", 0, 0, 1<<62, "where to write, in bytes from the start of FILE")
	f.Args(2, 2) // FILE TEXT
	return func(args []string) (err error) {
		path, text := args[0], args[1]
		if text == "" {
			return cli.Usagef("write: empty TEXT")
		}
		// Map the pages that hold the range, shared and writable.
		m, rel, err := mapRange(path, *off, len(text), unix.PROT_READ|unix.PROT_WRITE)
		if err != nil {
			return err
		}
		defer unmapAtEnd(m, &err)
		// Store: the file's page-cache pages change, no write(2). Guarded:
		// a page another process truncated away, or one a full tmpfs cannot
		// back, is SIGBUS.
		start := *off - int64(rel)
		if err := guard("write", path, start, m, func() { copy(m[rel:], text) }); err != nil {
			return err
		}
		cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(text), *off))
		return nil
	}
}
