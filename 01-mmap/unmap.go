//go:build linux && (amd64 || arm64)

// unmap: after munmap an access raises SIGSEGV; unmapping the middle of a
// mapping splits it; a process that exits loses its mappings without munmap
// (notes 001 §1.1.1.2).

package main

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func init() {
	fault.Register("unmap-access", probeUnmapAccess)
	fault.Register("map-and-exit", probeMapAndExit)
}

func unmapCmd(f *cli.Flags) cli.Action {
	f.Args(0, 1) // [FILE]
	return func(args []string) error {
		file := ""
		if len(args) == 1 {
			file = args[0]
		}
		return unmap(file)
	}
}

func tourUnmap() error {
	path, done, err := tempFile("", "mapped by a child\n")
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
	// A regular file only: the child would wait for ever opening a FIFO.
	if file != "" {
		if _, err := fileSize(file); err != nil {
			return err
		}
	}
	// Access after munmap, in a child the kernel kills.
	res, err := fault.Run("unmap-access")
	if err != nil {
		return err
	}
	cli.Fact("read after munmap", res)
	if err := split(); err != nil {
		return err
	}
	if file == "" {
		return nil
	}

	// A child maps the file and exits without munmap: no process maps it.
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

// split unmaps the middle page of three and counts the mappings left.
func split() error {
	ps := PageSize()
	m, err := MapAnon(3*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 3 pages of anonymous memory", "mmap", err)
	}
	start := uintptr(unsafe.Pointer(&m[0]))
	end := start + uintptr(3*ps)
	before, err := countMappings(start, end)
	if err != nil {
		return err
	}
	cli.Fact("mappings over the 3 pages", before)
	if err := Unmap(m[ps : 2*ps]); err != nil {
		return cli.Sys("unmap the middle page", "munmap", err)
	}
	after, err := countMappings(start, end)
	if err != nil {
		return err
	}
	cli.Fact("mappings after unmapping the middle page", after)
	if err := Unmap(m[:ps]); err != nil {
		return cli.Sys("unmap the first page", "munmap", err)
	}
	return cli.Sys("unmap the last page", "munmap", Unmap(m[2*ps:]))
}

// countMappings counts the lines of /proc/self/maps over [start, end).
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
		return false, cli.Sys("stat "+cli.Quote(path), "stat", err)
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

// probeUnmapAccess writes a page, unmaps it and reads it: SIGSEGV.
func probeUnmapAccess(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return cli.Sys("map a page", "mmap", err)
	}
	fault.Write(m, 0, 'A')
	if err := Unmap(m); err != nil {
		return cli.Sys("unmap the page", "munmap", err)
	}
	fault.Read(m, 0)
	return nil
}

// probeMapAndExit maps a file, checks /proc shows it, and exits without
// munmap.
func probeMapAndExit(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("map-and-exit probe: want FILE, got %d arguments", len(args))
	}
	m, err := MapFile(args[0], 0, 1, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(args[0], err)
	}
	if ok, err := mappedAnywhere(args[0]); err != nil || !ok {
		return fmt.Errorf("the child's mapping of %s is not in /proc: %v", cli.Quote(args[0]), err)
	}
	_ = unsafe.SliceData(m)
	fmt.Println("yes")
	return nil
}
