//go:build linux && (amd64 || arm64)

// private: the first store into a page of a MAP_PRIVATE mapping copies it
// (copy-on-write); the file and every other process keep the original
// (notes 001 §1.1.1.1 MAP_PRIVATE).

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func privateCmd(f *cli.Flags) cli.Action {
	hold := f.Hold("the mapping")
	ready := f.Ready("the mapping is written and the file read back")
	f.Args(1, 2) // FILE [TEXT]
	return func(args []string) error {
		text := "HELLO"
		if len(args) == 2 {
			text = args[1]
		}
		return private(args[0], text, *ready, *hold)
	}
}

func tourPrivate() error {
	path, done, err := tempFile("", "hello, page cache\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("Map the same kind of file MAP_PRIVATE, from a read-only descriptor, and write:")
	cli.Say("the first write to a page copies it (写时复制, copy-on-write); the copy is ours.")
	return private(path, "HELLO", "", false)
}

func private(path, text, ready string, hold bool) (err error) {
	// Map the whole file privately. PROT_WRITE on a private mapping never
	// writes back, so MapFile opens the file O_RDONLY.
	size, err := wholeFile(path, false)
	if err != nil {
		return err
	}
	if size < len(text) {
		return fmt.Errorf("private %s: the file has %d bytes, fewer than the %d to write", cli.Quote(path), size, len(text))
	}
	m, err := MapFile(path, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)

	// The mapping holds the file: no descriptor is left open on it.
	if err := descriptorsFact(path); err != nil {
		return err
	}

	// Store the text: the kernel copies the page, and the copy changes. The
	// first write reads the page from the file, which another process may
	// have truncated: guarded.
	var back string
	if err := guard("write", path, 0, m, func() { copy(m, text); back = string(m[:len(text)]) }); err != nil {
		return err
	}
	cli.Fact("mapping reads", back)

	// read() of the file, here and in another process: the original.
	own, err := readAt(path, 0, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in this process", own)
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process", got)

	// Keep the mapping for a scenario's `cat` if asked.
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if hold {
		cli.Hold()
	}
	return nil
}
