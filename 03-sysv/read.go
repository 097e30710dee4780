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
	off := f.Int("offset", 0, 0, 1<<62, "where to read, in bytes from the start of the segment")
	length := f.Int("length", 0, 0, 1<<62, "how many bytes to print (0: up to the first NUL)")
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
	if off > int64(len(m)) || off+n > int64(len(m)) {
		Detach(m)
		return fmt.Errorf("read at offset %d: past the end of the segment (size %d)", off, len(m))
	}
	// The bytes asked for, or the string that starts at off.
	b := m[off:]
	if n > 0 {
		b = b[:n]
	} else if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	cli.Stdout.Write(append(bytes.Clone(b), '\n'))
	return idErr("detach from", id, "shmdt", Detach(m))
}
