//go:build linux && (amd64 || arm64)

// pagesize: the page is the unit of every mapping (notes 001 §1.1.1 point 1,
// 000 part 1). A 1-byte mapping still takes a whole page.

package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

func pagesizeCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return pagesize() }
}

func tourPagesize() error {
	cli.Say("The kernel maps memory in pages, and tells each program their size at exec")
	cli.Say("(AT_PAGESZ, which getpagesize() and sysconf(_SC_PAGESIZE) return). A 1-byte")
	cli.Say("request still takes a whole page, as /proc/self/smaps shows.")
	return pagesize()
}

func pagesize() (err error) {
	// The page size, as the lesson asks for it (getpagesize), and as the
	// kernel wrote it in the auxiliary vector at exec (AT_PAGESZ), where
	// glibc's getpagesize() and sysconf(_SC_PAGESIZE) read it too.
	cli.Fact("page size", PageSize())
	aux, err := auxPageSize()
	if err != nil {
		return err
	}
	cli.Fact("AT_PAGESZ in /proc/self/auxv", aux)

	// Ask for 1 byte. MAP_SHARED anonymous memory is its own object, so the
	// kernel never merges it with a neighbour: its line in /proc/self/smaps
	// is ours alone, and its size is what the kernel really mapped.
	b, err := MapAnon(1, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 1 byte of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(b, &err)
	m, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&b[0])))
	if err != nil {
		return err
	}
	cli.Fact("1-byte mapping spans", fmt.Sprintf("%d bytes", m.Size()))
	return nil
}

// The auxiliary vector's entry types (elf.h) this experiment reads.
const (
	atNull   = 0
	atPagesz = 6
)

// auxPageSize reads AT_PAGESZ from /proc/self/auxv: pairs of 64-bit words
// (type, value), ended by AT_NULL.
func auxPageSize() (uint64, error) {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 0, err
	}
	for i := 0; i+16 <= len(b); i += 16 {
		typ := binary.NativeEndian.Uint64(b[i:])
		val := binary.NativeEndian.Uint64(b[i+8:])
		if typ == atPagesz {
			return val, nil
		}
		if typ == atNull {
			break
		}
	}
	return 0, fmt.Errorf("/proc/self/auxv: no AT_PAGESZ")
}
