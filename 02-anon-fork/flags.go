//go:build linux && (amd64 || arm64)

// The flags experiment: what MAP_ANONYMOUS really does with the fd and offset
// arguments of mmap (notes 001 §1.1.1.1, 000 part 4).

package main

import (
	"bytes"
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func flagsCmd(f *cli.Flags) cli.Action {
	return func(args []string) error { return flags() }
}

func tourFlags() error {
	cli.Say("What makes a mapping anonymous? The notes say fd may be -1 and then")
	cli.Say("MAP_ANONYMOUS is required (001), and that MAP_ANON or fd -1 makes an anonymous")
	cli.Say("mapping (000 part 4). On Linux the flag decides, not the fd: fd -1 alone is")
	cli.Say("EBADF, and with the flag the fd is ignored. The offset is ignored too, but")
	cli.Say("only once it has passed the page-multiple check every mmap makes. (munmap")
	cli.Say("then removes a page: mincore finds nothing mapped there.) MAP_ANON is not")
	cli.Say("in the kernel's headers: glibc's <sys/mman.h> defines it as MAP_ANONYMOUS.")
	return flags()
}

func flags() error {
	ps := unix.Getpagesize()
	// fd -1 without the flag: is that an anonymous mapping?
	_, err := MapWith(-1, 0, ps, unix.MAP_SHARED)
	cli.Fact("fd -1 without MAP_ANONYMOUS", cli.Outcome(err))
	if err != nil && !errors.Is(err, unix.EBADF) {
		return cli.Sys("map fd -1", "mmap", err)
	}

	// A file full of 'F': does MAP_ANONYMOUS with its fd show it?
	f, err := os.CreateTemp("", "anonfork-flags-")
	if err != nil {
		return cli.Sys("make a temporary file in "+cli.Quote(os.TempDir()), "open", err)
	}
	defer cli.Made(func() { os.Remove(f.Name()) })() // also when interrupted
	defer f.Close()
	if _, err := f.Write(bytes.Repeat([]byte{'F'}, 2*ps)); err != nil {
		return err
	}
	if err := anonOverFile(f, ps); err != nil {
		return err
	}

	// The offset: a page multiple, then 100.
	m, err := MapWith(-1, int64(ps), ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with offset one page", cli.Outcome(err))
	if err == nil {
		// munmap removes the range: mincore says ENOMEM for an unmapped one.
		vec := make([]byte, 1)
		if err := Unmap(m); err != nil {
			return cli.Sys("unmap the anonymous page", "munmap", err)
		}
		cli.Fact("mincore after munmap", cli.Outcome(mincore(m, vec)))
	}
	_, err = MapWith(-1, 100, ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with offset 100", cli.Outcome(err))
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return cli.Sys("map offset 100", "mmap", err)
	}

	// MAP_ANON, the BSD spelling: not a kernel flag. glibc's <sys/mman.h>
	// defines it as MAP_ANONYMOUS, and x/sys/unix, generated from those
	// headers, gives it the same value; the kernel sees one bit.
	m, err = MapWith(-1, 0, ps, unix.MAP_SHARED|unix.MAP_ANON)
	cli.Fact("MAP_ANON with fd -1", cli.Outcome(err))
	if err == nil {
		Unmap(m)
	}
	cli.Fact("MAP_ANON is MAP_ANONYMOUS (x/sys/unix)", cli.YesNo(unix.MAP_ANON == unix.MAP_ANONYMOUS))
	return nil
}

// anonOverFile maps MAP_SHARED|MAP_ANONYMOUS with the fd of f (a file of
// 'F's), and tells whether the mapping shows the file and a write reaches it.
func anonOverFile(f *os.File, ps int) error {
	m, err := MapWith(int(f.Fd()), 0, ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with the fd of a file", cli.Outcome(err))
	if err != nil {
		return cli.Sys("map anonymous memory with the fd of "+f.Name(), "mmap", err)
	}
	defer Unmap(m)
	cli.Fact("the mapping shows the file", cli.YesNo(bytes.IndexByte(m, 'F') >= 0))
	cli.Fact("the mapping is all zero", cli.YesNo(allZero(m)))
	m[0] = 'A'
	var one [1]byte
	if _, err := f.ReadAt(one[:], 0); err != nil {
		return err
	}
	cli.Fact("a write reaches the file", cli.YesNo(one[0] == 'A'))
	return nil
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// mincore asks which pages of b are in memory (mincore(2)): ENOMEM if part
// of b is not mapped at all.
func mincore(b, vec []byte) error {
	_, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if e != 0 {
		return e
	}
	return nil
}
