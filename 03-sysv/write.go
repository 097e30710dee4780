//go:build linux && (amd64 || arm64)

// write: a tool for the scenarios and the shell. shmat the segment
// read-write, copy TEXT in at -offset (no NUL added), shmdt.

package main

import (
	"fmt"

	"shmlab/internal/cli"
)

func writeCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	// The real bound is the segment's size, known after shmat: write says it.
	off := f.Int("offset", 0, 0, 1<<62, "where to write, in bytes from the start of the segment (TEXT must fit before its end)")
	f.Args(1, 1) // TEXT
	return func(args []string) error {
		id, err := open(k)
		if err != nil {
			return err
		}
		return write(id, *off, args[0])
	}
}

// write copies text into segment id at off, through an attach of its own.
func write(id int, off int64, text string) error {
	// Attach read-write: the mode must grant read and write.
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	// The attach covers the segment's size: nothing is written past it.
	size := int64(len(m))
	if off > size || int64(len(text)) > size-off {
		Detach(m)
		return fmt.Errorf("write %d bytes to shmid %d at offset %d: past the end of the segment (size %d: offset + length at most %d)", len(text), id, off, size, size)
	}
	// A plain copy: the bytes are in the segment, no system call.
	copy(m[off:], text)
	cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(text), off))
	return idErr("detach from", id, "shmdt", Detach(m))
}
