//go:build linux && (amd64 || arm64)

// anon: MAP_ANONYMOUS with fd -1 (匿名映射) is memory with no file behind it,
// zero-filled, given a page at a time on first write (notes 001 §1.1.1.1).

package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

func anonCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 64<<10, 1, 1<<30, "MAP_ANONYMOUS: bytes to map, rounded up to whole pages")
	return func([]string) error { return anon(int(*size)) }
}

func tourAnon() error {
	cli.Say("MAP_ANONYMOUS with fd -1 (匿名映射): memory with no file behind it. The kernel")
	cli.Say("gives a page only when it is first touched, and gives it zero-filled. Without")
	cli.Say("MAP_ANONYMOUS, fd -1 is a bad descriptor.")
	return anon(64 << 10)
}

func anon(size int) (err error) {
	// The kernel merges adjacent private anonymous mappings with the same
	// protection into one line of smaps (Go's heap is one). So map a
	// PROT_NONE guard page on either side and open up only the middle: our
	// pages get a line of their own, and its Rss is theirs alone.
	ps := PageSize()
	size = (size + ps - 1) / ps * ps
	whole, err := MapAnon(size+2*ps, unix.PROT_NONE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map %d bytes of anonymous memory", size+2*ps), "mmap", err)
	}
	defer unmapAtEnd(whole, &err)
	m := whole[ps : ps+size]
	if err := Protect(m, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return cli.Sys("make the middle pages PROT_READ|PROT_WRITE", "mprotect", err)
	}

	// Before any access: no file, no page.
	addr := uintptr(unsafe.Pointer(&m[0]))
	before, err := procfs.SmapsAt(addr)
	if err != nil {
		return err
	}
	cli.Fact("backing file", orNone(before.Path))
	cli.Fact("rss before touch", fmt.Sprintf("%d kB", before.Rss))

	// Reading maps the shared zero page, not new memory.
	zero := true
	for _, c := range m {
		zero = zero && c == 0
	}
	cli.Fact("all zero", cli.YesNo(zero))

	// The first write to each page allocates it.
	for i := 0; i < len(m); i += ps {
		m[i] = 1
	}
	after, err := procfs.SmapsAt(addr)
	if err != nil {
		return err
	}
	cli.Fact("rss after writing every page", fmt.Sprintf("%d kB", after.Rss))

	// fd -1 means "no file" only with MAP_ANONYMOUS: without it, the kernel
	// looks for a descriptor -1 and finds none.
	_, err = unix.MmapPtr(-1, 0, nil, uintptr(ps), unix.PROT_READ, unix.MAP_PRIVATE)
	cli.Fact("fd -1 without MAP_ANONYMOUS", cli.Outcome(err))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
