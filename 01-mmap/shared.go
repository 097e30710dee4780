//go:build linux && (amd64 || arm64)

// shared: a store into a MAP_SHARED mapping is a store into the file's pages
// in the page cache, so read() in any process sees it at once, before msync
// or munmap (notes 001 §1.1.1.1 MAP_SHARED say: only after them).

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func sharedCmd(f *cli.Flags) cli.Action {
	hold := f.Hold("the mapping")
	ready := f.Ready("the mapping is written and read back")
	f.Args(1, 2) // FILE [TEXT]
	return func(args []string) error {
		text := "HELLO"
		if len(args) == 2 {
			text = args[1]
		}
		return shared(args[0], text, *ready, *hold)
	}
}

func tourShared() error {
	path, done, err := tempFile("", "hello, page cache\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("Map a file MAP_SHARED, write through the mapping, and let another process")
	cli.Say("read() the file while the mapping is still there: no msync, no munmap.")
	cli.Say("The notes say the change reaches the file only after munmap or msync; on")
	cli.Say("Linux the mapping and read() use the same page-cache pages, so it is there at once.")
	return shared(path, "HELLO", "", false)
}

func shared(path, text, ready string, hold bool) (err error) {
	// Map the whole file, shared and writable (so opened O_RDWR).
	size, err := wholeFile(path, true)
	if err != nil {
		return err
	}
	if size < len(text) {
		return fmt.Errorf("shared %s: the file has %d bytes, fewer than the %d to write (grow it first)", cli.Quote(path), size, len(text))
	}
	m, err := MapFile(path, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)

	// The mapping holds the file: no descriptor is left open on it.
	if err := descriptorsFact(path); err != nil {
		return err
	}

	// Store the text: a plain memory copy, no system call (no msync, no
	// munmap either). Every access to the mapping is guarded: another
	// process may truncate the file under it (SIGBUS).
	var back string
	if err := guard("write", path, 0, m, func() { copy(m, text); back = string(m[:len(text)]) }); err != nil {
		return err
	}
	cli.Fact("mapping reads", back)

	// Another process read()s the file while the mapping is alive.
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process", got)

	// Keep the mapping for a scenario's `cat` if asked; then read it again:
	// a write() another process made meanwhile is in the mapping too.
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if !hold {
		return nil
	}
	cli.Hold()
	if err := guard("read", path, 0, m, func() { back = string(m[:len(text)]) }); err != nil {
		return err
	}
	cli.Fact("mapping reads after the hold", back)
	return nil
}
