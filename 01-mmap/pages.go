//go:build linux && (amd64 || arm64)

// pages: the edges of a mapping of a file shorter than a page (notes 001
// §1.1.1 point 1, §1.1.1.1 offset, len). The rest of the last page reads as
// zero, and what is written there stays in the page on tmpfs (it shows when
// the file grows) while a disk filesystem zeroes it; a page wholly past the
// end of the file raises SIGBUS; past the mapping, SIGSEGV; a length of 0 and
// an unaligned offset are EINVAL. The accesses that fault run in a child
// process (a probe).

package main

import (
	"errors"
	"fmt"
	"os"
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
	grow := f.Bool("grow", "after munmap, fsync FILE and grow it to a page (ftruncate), then read its last byte with pread")
	f.Args(1, 1) // FILE
	return func(args []string) error { return pages(args[0], *grow) }
}

func tourPages() error {
	path, done, err := tempFile("/dev/shm", "A")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("A 1-byte file in /dev/shm (tmpfs) mapped with length 1: the whole page is mapped,")
	cli.Say("its tail reads zero, and a byte is written there. tmpfs keeps it: it shows when")
	cli.Say("the file grows (a disk filesystem zeroes it: try `mmap pages -grow` in /tmp).")
	cli.Say("Past the file's last page: SIGBUS; past the mapping: SIGSEGV.")
	return pages(path, true)
}

func pages(path string, grow bool) error {
	size, err := writableSize(path)
	if err != nil {
		return err
	}
	ps := PageSize()
	if size < 1 || size >= int64(ps) {
		return fmt.Errorf("pages %s: want a file of 1 to %d bytes, this one has %d", cli.Quote(path), ps-1, size)
	}
	if _, err := filesystemFact(path); err != nil {
		return err
	}
	cli.Fact("file size", size)
	if err := wholePage(path, size); err != nil {
		return err
	}
	if grow {
		if err := growFile(path); err != nil {
			return err
		}
	}
	if err := mapErrors(path); err != nil {
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

// mapErrors: mmap refuses a length of 0 and an offset that is not a
// multiple of the page size, and a failed mmap leaves no descriptor behind.
func mapErrors(path string) error {
	_, err := MapFile(path, 0, 0, unix.PROT_READ, unix.MAP_SHARED)
	cli.Fact("length 0", cli.Outcome(err))
	if err == nil {
		return errors.New("mmap accepted a length of 0")
	}
	_, err = MapFile(path, 100, 1, unix.PROT_READ, unix.MAP_SHARED)
	cli.Fact("offset 100 (not a page multiple)", cli.Outcome(err))
	if err == nil {
		return errors.New("mmap accepted an offset that is not a multiple of the page size")
	}
	return descriptorsFact(path)
}

// wholePage maps size bytes of the file and uses the whole page they fall
// in. Every access is guarded: another process may truncate the file.
func wholePage(path string, size int64) error {
	m, err := MapFile(path, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	cli.Fact("mapped length", len(m))

	// The page is all ours to touch, though we asked for size bytes: the
	// bytes past the end of the file read as zero. One is written there.
	page := unsafe.Slice(&m[0], PageSize())
	zero := true
	err = guard("use the page of", path, 0, page, func() {
		for _, c := range page[size:] {
			zero = zero && c == 0
		}
		page[len(page)-1] = 'Z'
	})
	if err != nil {
		Unmap(page)
		return err
	}
	cli.Fact("bytes past the end of the file read as zero", cli.YesNo(zero))
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

// growFile writes the page back (fsync: on a disk filesystem that zeroes
// the page past the end of the file; on tmpfs it does nothing), grows the
// file to a whole page and reads the page's last byte with pread(2).
func growFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return cli.Sys("open "+cli.Quote(path), "open", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return cli.Sys("write back "+cli.Quote(path), "fsync", err)
	}
	ps := PageSize()
	if err := f.Truncate(int64(ps)); err != nil {
		return cli.Sys("grow "+cli.Quote(path), "ftruncate", err)
	}
	last, err := readAt(path, int64(ps-1), 1)
	if err != nil {
		return err
	}
	cli.Fact("file size after growing it", ps)
	cli.Fact(fmt.Sprintf("byte %d after growing the file", ps-1), fmt.Sprintf("%q", last))
	return nil
}

// probePastFile: a 2-page mapping of a file shorter than a page. The second
// page has no file behind it, and touching it raises SIGBUS.
func probePastFile(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("pages probe: want FILE, got %d arguments", len(args))
	}
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
	if len(args) != 1 {
		return fmt.Errorf("pages probe: want FILE, got %d arguments", len(args))
	}
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
