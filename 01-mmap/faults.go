//go:build linux && (amd64 || arm64)

// The experiments whose lesson is a fault or a boundary: pages, fixed,
// protect, unmap. Each access that may fault runs in a probe (probes.go), a
// child process, so the fault is reported and never ends this program.

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func runPages(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("pages"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("pages", pos, 1, 1); err != nil {
		return err
	}
	return pages(pos[0])
}

func tourPages() error {
	path, done, err := tempFile("A")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("A 1-byte file mapped with length 1. The kernel maps the whole page: bytes")
	cli.Say("1..4095 are there, read as zero, and what is written there never reaches the")
	cli.Say("file. A page of the mapping wholly past the end of the file raises SIGBUS; an")
	cli.Say("address past the mapping itself raises SIGSEGV.")
	return pages(path)
}

func pages(path string) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < 1 || size >= int64(PageSize()) {
		return fmt.Errorf("pages %s: want a file of 1 to %d bytes, this one has %d", path, PageSize()-1, size)
	}
	ps := PageSize()
	cli.Fact("file size", size)
	m, err := MapFile(path, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	cli.Fact("mapped length", len(m))
	// The page is all ours to touch, though we asked for size bytes.
	page := unsafe.Slice(&m[0], ps)
	zero := true
	for _, c := range page[size:] {
		zero = zero && c == 0
	}
	cli.Fact("bytes past the end of the file read as zero", cli.YesNo(zero))
	page[ps-1] = 'Z'
	cli.Fact("write to the last byte of the page", "ok")
	if err := Unmap(page); err != nil {
		return err
	}
	after, err := fileSize(path)
	if err != nil {
		return err
	}
	cli.Fact("file size after munmap", after)

	_, err = MapFile(path, 100, 1, unix.PROT_READ, unix.MAP_SHARED)
	cli.Fact("offset 100 (not a page multiple)", cli.Outcome(err))
	if err == nil {
		return errors.New("mmap accepted an offset that is not a multiple of the page size")
	}

	res, err := fault.Run("pages-past-file", path)
	if err != nil {
		return err
	}
	cli.Fact("touch the second page of a 2-page mapping of the file", res)
	res, err = fault.Run("pages-past-mapping", path)
	if err != nil {
		return err
	}
	cli.Fact("touch the page after the mapping", res)
	return nil
}

func runFixed(args []string) error {
	if err := cli.Want("fixed", args, 0, 0); err != nil {
		return err
	}
	return fixed()
}

func tourFixed() error {
	cli.Say("MAP_FIXED maps at exactly the address given. If something is mapped there")
	cli.Say("already, it is thrown away without a word: the old bytes are gone. Linux 4.17")
	cli.Say("added MAP_FIXED_NOREPLACE, which fails with EEXIST instead.")
	return fixed()
}

func fixed() error {
	ps := PageSize()
	old, err := MapAnon(ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	copy(old, "old bytes")
	addr := uintptr(unsafe.Pointer(&old[0]))
	_, err = MapFixed(old, unix.MAP_FIXED_NOREPLACE)
	cli.Fact("MAP_FIXED_NOREPLACE over a mapping", cli.Outcome(err))
	if err == nil {
		return errors.New("MAP_FIXED_NOREPLACE replaced a mapping (kernel older than 4.17?)")
	}
	cli.Fact("old mapping still reads", strings.TrimRight(string(old[:9]), "\x00"))
	n, err := MapFixed(old, unix.MAP_FIXED)
	if err != nil {
		return err
	}
	defer Unmap(n)
	cli.Fact("MAP_FIXED over a mapping", "ok")
	cli.Fact("same address", cli.YesNo(uintptr(unsafe.Pointer(&n[0])) == addr))
	cli.Fact("old bytes after MAP_FIXED", fmt.Sprintf("%q", strings.TrimRight(string(old[:9]), "\x00")))
	return nil
}

func runProtect(args []string) error {
	if err := cli.Want("protect", args, 0, 0); err != nil {
		return err
	}
	return protect()
}

func tourProtect() error {
	cli.Say("mprotect changes what may be done with pages. A write to a PROT_READ page, or")
	cli.Say("any access to a PROT_NONE page, raises SIGSEGV; the address must be page-aligned.")
	return protect()
}

func protect() error {
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

	ps := PageSize()
	m, err := MapAnon(2*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	if err := Protect(m[:ps], unix.PROT_READ); err != nil {
		return err
	}
	ms, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	if pm, ok := procfs.Find(ms, uintptr(unsafe.Pointer(&m[0]))); ok {
		cli.Fact("perms in /proc/self/maps after PROT_READ", pm.Perms)
	}
	if err := Protect(m[:ps], unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	m[0] = 'A'
	cli.Fact("write after PROT_READ|PROT_WRITE again", "ok")
	cli.Fact("mprotect at an unaligned address", cli.Outcome(Protect(m[1:ps], unix.PROT_READ)))
	return nil
}

func runUnmap(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("unmap"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("unmap", pos, 0, 1); err != nil {
		return err
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
	}
	return unmap(file)
}

func tourUnmap() error {
	path, done, err := tempFile("mapped by a child\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("munmap removes pages: an access afterwards raises SIGSEGV. Unmapping the middle")
	cli.Say("page of three leaves two mappings. And a process that exits without munmap")
	cli.Say("loses its mappings all the same (notes 001 §1.1.1.2).")
	return unmap(path)
}

func unmap(file string) error {
	res, err := fault.Run("unmap-access")
	if err != nil {
		return err
	}
	cli.Fact("read after munmap", res)

	ps := PageSize()
	m, err := MapAnon(3*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	start := uintptr(unsafe.Pointer(&m[0]))
	end := start + uintptr(3*ps)
	before, err := countMappings(start, end)
	if err != nil {
		return err
	}
	cli.Fact("mappings over the 3 pages", before)
	if err := Unmap(m[ps : 2*ps]); err != nil {
		return err
	}
	after, err := countMappings(start, end)
	if err != nil {
		return err
	}
	cli.Fact("mappings after unmapping the middle page", after)
	Unmap(m[:ps])
	Unmap(m[2*ps:])

	if file == "" {
		return nil
	}
	res, err = fault.Run("map-and-exit", file)
	if err != nil {
		return err
	}
	cli.Fact("child mapped the file", strings.TrimSpace(res.Output))
	still, err := mappedAnywhere(file)
	if err != nil {
		return err
	}
	cli.Fact("mapped by any process after the child exited", cli.YesNo(still))
	return nil
}

func countMappings(start, end uintptr) (int, error) {
	ms, err := procfs.Maps("self")
	if err != nil {
		return 0, err
	}
	return len(procfs.Overlapping(ms, start, end)), nil
}

// mappedAnywhere reports whether any process maps the file (same device and
// inode), by reading every /proc/PID/maps this process may read.
func mappedAnywhere(path string) (bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, cli.Sys("stat "+path, "stat", err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false, err
	}
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		ms, err := procfs.Maps(e.Name())
		if err != nil {
			continue // gone, or not ours to read
		}
		for _, m := range ms {
			if m.Inode == st.Ino && m.Path != "" && sameFile(m.Path, &st) {
				return true, nil
			}
		}
	}
	return false, nil
}

func sameFile(path string, st *unix.Stat_t) bool {
	var o unix.Stat_t
	return unix.Stat(path, &o) == nil && o.Dev == st.Dev && o.Ino == st.Ino
}
