//go:build linux && (amd64 || arm64)

// read: a tool for the scenarios and the shell. shmat the segment read-only
// (SHM_RDONLY needs only read permission), print the bytes at -offset, shmdt.

package main

import (
	"bytes"
	"fmt"

	"shmlab/internal/cli"
)

func readCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	// The real bound is the segment's size, known after shmat: read says it.
	off := f.Int("offset", 0, 0, 1<<62, "where to read, in bytes from the start of the segment (at most its size)")
	length := f.Int("length", 0, 0, 1<<62, "how many bytes to print (0: up to the first NUL; at most size - offset)")
	return func([]string) error {
		id, err := open(k)
		if err != nil {
			return err
		}
		return read(id, *off, *length)
	}
}

// read prints n bytes of segment id at off (n 0: up to the first NUL).
func read(id int, off, n int64) error {
	// Attach with SHM_RDONLY: a reader needs no write permission.
	m, err := Attach(id, true)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	// Both bounded by the segment's own size (a System V segment never
	// shrinks under its attach: no SIGBUS to guard against).
	size := int64(len(m))
	if off > size {
		Detach(m)
		return fmt.Errorf("read shmid %d at offset %d: past the end of the segment (size %d: offset at most %d)", id, off, size, size)
	}
	if n > size-off {
		Detach(m)
		return fmt.Errorf("read %d bytes of shmid %d at offset %d: past the end of the segment (size %d: length at most %d there)", n, id, off, size, size-off)
	}
	// The bytes asked for, or the string that starts at off, written
	// straight from the segment: no copy of it.
	b := m[off:]
	if n > 0 {
		b = b[:n]
	} else if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	cli.Stdout.Write(b)
	cli.Stdout.Write([]byte{'\n'})
	return idErr("detach from", id, "shmdt", Detach(m))
}
