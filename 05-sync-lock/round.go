//go:build linux && (amd64 || arm64)

// round: mlock works on whole pages (notes 001 §1.1.1.5, §1.1.1 point 1):
// the range is widened to the pages it touches. One byte locks a page; two
// bytes across a page boundary lock two; munlock of one byte unlocks a page.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func roundCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return round() }
}

func tourRound() error {
	cli.Say("mlock works on whole pages: the range is widened to the pages it touches.")
	cli.Say("One byte locks a page; two bytes across a page boundary lock two.")
	return round()
}

func round() (err error) {
	ps := PageSize()
	cli.Fact("page size", ps)
	m, err := MapAnon(4*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 4 pages of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(m, &err)

	// One byte in the middle of the second page.
	one := ps + ps/2
	if err := Lock(m[one : one+1]); err != nil {
		return cli.Sys("lock 1 byte", "mlock", err)
	}
	if err := pagesLocked(fmt.Sprintf("mlock of 1 byte at offset %d", one), m); err != nil {
		return err
	}
	if err := Unlock(m[one : one+1]); err != nil {
		return cli.Sys("unlock 1 byte", "munlock", err)
	}

	// Two bytes: the last of the second page and the first of the third.
	two := 2*ps - 1
	if err := Lock(m[two : two+2]); err != nil {
		return cli.Sys("lock 2 bytes", "mlock", err)
	}
	if err := pagesLocked(fmt.Sprintf("mlock of 2 bytes at offset %d", two), m); err != nil {
		return err
	}

	// One byte of munlock unlocks its whole page too.
	if err := Unlock(m[2*ps : 2*ps+1]); err != nil {
		return cli.Sys("unlock 1 byte", "munlock", err)
	}
	return pagesLocked(fmt.Sprintf("then munlock of 1 byte at offset %d", 2*ps), m)
}

// pagesLocked prints the Locked counter of m, in kB and in pages.
func pagesLocked(name string, m []byte) error {
	s, err := statsOf(m)
	if err != nil {
		return err
	}
	cli.Fact(name+": Locked", kB(s.locked))
	cli.Fact(name+": pages locked", s.locked*1024/int64(PageSize()))
	return nil
}
