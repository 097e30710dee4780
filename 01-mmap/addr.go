//go:build linux && (amd64 || arm64)

// addr: mmap's first argument (notes 001 §1.1.1.1 addr: "the address the
// user would like; NULL lets the system choose"). Without MAP_FIXED a
// non-NULL address is only a hint: the kernel rounds it to a page boundary
// and uses it if the pages there are free, and maps somewhere else if they
// are not, without an error.

package main

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func addrCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return addrExp() }
}

func tourAddr() error {
	cli.Say("Without MAP_FIXED an address is a hint: 100 bytes into a free page, the kernel")
	cli.Say("maps on that page's boundary; on a page in use, elsewhere. Neither is an error.")
	return addrExp()
}

// addrOf is the address of the first byte of b.
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

func addrExp() (err error) {
	// Three pages known to be free: map five PROT_NONE pages and unmap the
	// middle three (the outer ones keep anything else from moving in).
	ps := PageSize()
	area, err := MapAnon(5*ps, unix.PROT_NONE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map 5 pages of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(area, &err)
	if err := Unmap(area[ps : 4*ps]); err != nil {
		return cli.Sys("unmap the middle 3 pages", "munmap", err)
	}

	// A hint 100 bytes into the free pages, for 2 pages: rounded to a page
	// boundary, down or up, the 2 pages fit in the 3 free ones.
	hint := area[ps+100 : 3*ps+100]
	got, err := MapFixed(hint, 0)
	if err != nil {
		return cli.Sys("map a page at a hint", "mmap", err)
	}
	defer unmapAtEnd(got, &err)
	cli.Fact("address given", fmt.Sprintf("%#x", addrOf(hint)))
	cli.Fact("address returned", fmt.Sprintf("%#x", addrOf(got)))
	delta := int64(addrOf(got)) - int64(addrOf(hint))
	aligned := addrOf(got)%uintptr(ps) == 0 && delta > -int64(ps) && delta < int64(ps)
	cli.Fact("free hint: mapped on the page boundary next to it", cli.YesNo(aligned))
	cli.Fact("free hint: returned minus given", delta)
	return takenHint(ps)
}

// takenHint gives as hint the address of a page that is mapped already: the
// kernel maps elsewhere, and the page keeps its bytes.
func takenHint(ps int) (err error) {
	old, err := MapAnon(ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map a page of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(old, &err)
	copy(old, "old bytes")
	got, err := MapFixed(old, 0)
	if err != nil {
		return cli.Sys("map a page at a taken hint", "mmap", err)
	}
	defer unmapAtEnd(got, &err)
	cli.Fact("address given", fmt.Sprintf("%#x", addrOf(old)))
	cli.Fact("address returned", fmt.Sprintf("%#x", addrOf(got)))
	cli.Fact("taken hint: mapped elsewhere", cli.YesNo(addrOf(got) != addrOf(old)))
	cli.Fact("taken hint: the page there still reads", strings.TrimRight(string(old[:9]), "\x00"))
	return nil
}
