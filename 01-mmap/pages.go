//go:build linux && (amd64 || arm64)

// pages: the edges of a mapping of a file shorter than a page (notes 001
// §1.1.1 point 1, §1.1.1.1 offset). The rest of the last page reads as zero;
// a page wholly past the end of the file raises SIGBUS; past the mapping,
// SIGSEGV. The accesses that fault run in a child process (a probe).

package main

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	fault.Register("pages-past-file", probePastFile)
	fault.Register("pages-past-mapping", probePastMapping)
}

func pagesCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // FILE
	return func(args []string) error { return pages(args[0]) }
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
	ps := PageSize()
	if size < 1 || size >= int64(ps) {
		return fmt.Errorf("pages %s: want a file of 1 to %d bytes, this one has %d", cli.Quote(path), ps-1, size)
	}
	cli.Fact("file size", size)
	if err := wholePage(path, size); err != nil {
		return err
	}

	// The offset must be a multiple of the page size.
	_, err = MapFile(path, 100, 1, unix.PROT_READ, unix.MAP_SHARED)
	cli.Fact("offset 100 (not a page multiple)", cli.Outcome(err))
	if err == nil {
		return errors.New("mmap accepted an offset that is not a multiple of the page size")
	}
	// A failed mmap leaves no descriptor behind either.
	if err := descriptorsFact(path); err != nil {
		return err
	}

	// Past the end of the file, and past the mapping: in a child each.
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

// wholePage maps size bytes of the file and uses the whole page they fall in.
func wholePage(path string, size int64) error {
	m, err := MapFile(path, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	cli.Fact("mapped length", len(m))

	// The page is all ours to touch, though we asked for size bytes: the
	// bytes past the end of the file read as zero.
	page := unsafe.Slice(&m[0], PageSize())
	zero := true
	for _, c := range page[size:] {
		zero = zero && c == 0
	}
	cli.Fact("bytes past the end of the file read as zero", cli.YesNo(zero))

	// A write there is allowed, and never reaches the file.
	page[len(page)-1] = 'Z'
	cli.Fact("write to the last byte of the page", "ok")
	if err := Unmap(page); err != nil {
		return cli.Sys("unmap "+cli.Quote(path), "munmap", err)
	}
	after, err := fileSize(path)
	if err != nil {
		return err
	}
	cli.Fact("file size after munmap", after)
	return nil
}

// probePastFile: a 2-page mapping of a file shorter than a page. The second
// page has no file behind it, and touching it raises SIGBUS.
func probePastFile(args []string) error {
	ps := PageSize()
	m, err := MapFile(args[0], 0, 2*ps, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(args[0], err)
	}
	fault.Read(m, 0)
	fault.Read(m, ps)
	return nil
}

// probePastMapping: past the mapping itself there is nothing: SIGSEGV. The
// second page of a 2-page mapping is unmapped to make sure no other mapping
// sits there.
func probePastMapping(args []string) error {
	ps := PageSize()
	m, err := MapFile(args[0], 0, 2*ps, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(args[0], err)
	}
	if err := Unmap(m[ps:]); err != nil {
		return cli.Sys("unmap the second page", "munmap", err)
	}
	fault.Read(m, 0)
	fault.Read(m, ps)
	return nil
}
