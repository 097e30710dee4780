//go:build linux && (amd64 || arm64)

// fixed: MAP_FIXED maps at exactly the address given and silently throws
// away what was there; MAP_FIXED_NOREPLACE (Linux 4.17) refuses with EEXIST;
// an address inside a page is EINVAL (notes 001 §1.1.1.1 MAP_FIXED).

package main

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func fixedCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return fixed() }
}

func tourFixed() error {
	cli.Say("MAP_FIXED maps at exactly the address given. If something is mapped there")
	cli.Say("already, it is thrown away without a word: the old bytes are gone. Linux 4.17")
	cli.Say("added MAP_FIXED_NOREPLACE, which fails with EEXIST instead. The address must")
	cli.Say("be on a page boundary.")
	return fixed()
}

func fixed() (err error) {
	// A page with something in it.
	old, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map a page of anonymous memory", "mmap", err)
	}
	copy(old, "old bytes")
	addr := uintptr(unsafe.Pointer(&old[0]))

	// MAP_FIXED_NOREPLACE over it: refused, the page untouched.
	_, err = MapFixed(old, unix.MAP_FIXED_NOREPLACE)
	cli.Fact("MAP_FIXED_NOREPLACE over a mapping", cli.Outcome(err))
	if err == nil {
		return errors.New("MAP_FIXED_NOREPLACE replaced a mapping (kernel older than 4.17?)")
	}
	cli.Fact("old mapping still reads", strings.TrimRight(string(old[:9]), "\x00"))

	// MAP_FIXED wants an address on a page boundary: 100 bytes in is EINVAL
	// (a hint without MAP_FIXED would be rounded instead: the addr
	// experiment).
	bad, err := MapFixed(old[100:], unix.MAP_FIXED)
	cli.Fact("MAP_FIXED at an unaligned address", cli.Outcome(err))
	if err == nil {
		Unmap(bad)
		return errors.New("MAP_FIXED accepted an address inside a page")
	}

	// MAP_FIXED over it: accepted, and the old bytes are gone.
	n, err := MapFixed(old, unix.MAP_FIXED)
	if err != nil {
		return cli.Sys("map over the page with MAP_FIXED", "mmap", err)
	}
	defer unmapAtEnd(n, &err)
	cli.Fact("MAP_FIXED over a mapping", "ok")
	cli.Fact("same address", cli.YesNo(uintptr(unsafe.Pointer(&n[0])) == addr))
	cli.Fact("old bytes after MAP_FIXED", fmt.Sprintf("%q", strings.TrimRight(string(old[:9]), "\x00")))
	return nil
}
