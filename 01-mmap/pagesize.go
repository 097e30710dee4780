//go:build linux && (amd64 || arm64)

// pagesize: the page is the unit of every mapping (notes 001 §1.1.1 point 1,
// 000 part 1). A 1-byte mapping still takes a whole page.

package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

func pagesizeCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return pagesize() }
}

func tourPagesize() error {
	cli.Say("The kernel maps memory in pages. A 1-byte request still takes a whole page,")
	cli.Say("as /proc/self/maps shows for an anonymous mapping of 1 byte.")
	return pagesize()
}

func pagesize() error {
	// The page size the kernel told this process at exec (AT_PAGESZ).
	cli.Fact("page size", PageSize())

	// Ask for 1 byte. MAP_SHARED anonymous memory is its own object, so the
	// kernel never merges it with a neighbour: its line in /proc/self/smaps
	// is ours alone, and its size is what the kernel really mapped.
	b, err := MapAnon(1, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 1 byte of anonymous memory", "mmap", err)
	}
	defer Unmap(b)
	m, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&b[0])))
	if err != nil {
		return err
	}
	cli.Fact("1-byte mapping spans", fmt.Sprintf("%d bytes", m.Size()))
	return nil
}
