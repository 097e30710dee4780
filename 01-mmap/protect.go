//go:build linux && (amd64 || arm64)

// protect: mprotect changes what may be done with pages; a forbidden access
// raises SIGSEGV, and the address must be page-aligned (notes 001 §1.1.1.3).
// The accesses that fault run in a child process (a probe).

package main

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func init() {
	fault.Register("protect-write", probeProtectWrite)
	fault.Register("protect-none", probeProtectNone)
}

func protectCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return protect() }
}

func tourProtect() error {
	cli.Say("mprotect changes what may be done with pages. A write to a PROT_READ page, or")
	cli.Say("any access to a PROT_NONE page, raises SIGSEGV; the address must be page-aligned.")
	return protect()
}

func protect() (err error) {
	// The forbidden accesses, each in a child the kernel kills.
	res, err := fault.Run("protect-write")
	if err != nil {
		return err
	}
	cli.Fact("write after PROT_READ", res)
	res, err = fault.Run("protect-none")
	if err != nil {
		return err
	}
	cli.Fact("read after PROT_NONE", res)

	// Here: make the first of two pages read-only; /proc/self/maps shows it.
	ps := PageSize()
	m, err := MapAnon(2*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 2 pages of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(m, &err)
	if err := Protect(m[:ps], unix.PROT_READ); err != nil {
		return cli.Sys("make the first page PROT_READ", "mprotect", err)
	}
	ms, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	if pm, ok := procfs.Find(ms, uintptr(unsafe.Pointer(&m[0]))); ok {
		cli.Fact("perms in /proc/self/maps after PROT_READ", pm.Perms)
	}

	// Writable again, and written.
	if err := Protect(m[:ps], unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return cli.Sys("make the first page PROT_READ|PROT_WRITE", "mprotect", err)
	}
	m[0] = 'A'
	cli.Fact("write after PROT_READ|PROT_WRITE again", "ok")

	// An address inside a page is refused.
	cli.Fact("mprotect at an unaligned address", cli.Outcome(Protect(m[1:ps], unix.PROT_READ)))
	return nil
}

// probeProtectWrite writes a page, makes it PROT_READ, reads it (fine) and
// writes it again: SIGSEGV.
func probeProtectWrite(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map a page", "mmap", err)
	}
	fault.Write(m, 0, 'A')
	if err := Protect(m, unix.PROT_READ); err != nil {
		return cli.Sys("make the page PROT_READ", "mprotect", err)
	}
	fault.Read(m, 0)
	fault.Write(m, 0, 'B')
	return nil
}

// probeProtectNone makes a page PROT_NONE and reads it: SIGSEGV.
func probeProtectNone(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map a page", "mmap", err)
	}
	if err := Protect(m, unix.PROT_NONE); err != nil {
		return cli.Sys("make the page PROT_NONE", "mprotect", err)
	}
	fault.Read(m, 0)
	return nil
}
