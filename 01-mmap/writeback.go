//go:build linux && (amd64 || arm64)

// writeback: munmap writes nothing back (notes 001 §1.1.1 point 2 and
// §1.1.1.2 say the contents reach the file only after munmap or msync). A
// store through a MAP_SHARED mapping dirties the file's page in the page
// cache, the same page read() returns; munmap only takes the page out of
// the address space, and smaps shows it as dirty as before. Writing it to
// the disk is writeback's job (the kernel's flusher, fsync, or msync:
// chapter 05).

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

// writebackContent is what the experiment puts in the file it creates.
const writebackContent = "hello, page cache\n"

func writebackCmd(f *cli.Flags) cli.Action {
	keep := f.Bool("keep", "keep FILE afterwards (it is created with O_EXCL, and removed by default or when interrupted)")
	f.Args(1, 1) // FILE
	return func(args []string) error {
		done, err := createFile(args[0], *keep)
		if err != nil {
			return err
		}
		defer done()
		return writeback(args[0])
	}
}

func tourWriteback() error {
	path, done, err := tempFile("", writebackContent)
	if err != nil {
		return err
	}
	defer done()
	cli.Say("A store through a MAP_SHARED mapping, then munmap: smaps counts the page dirty")
	cli.Say("(脏页) before and after (mapped again): munmap wrote nothing back, and another")
	cli.Say("process read() the bytes before it. fsync cleans it (on a disk; tmpfs has none).")
	return writeback(path)
}

// createFile creates path holding writebackContent (cli.CreateFile:
// O_EXCL|O_NOFOLLOW, removed on interrupt, kept at the end if keep).
func createFile(path string, keep bool) (done func(), err error) {
	return cli.CreateFile(path, writebackContent, keep)
}

func writeback(path string) error {
	size, err := wholeFile(path, true)
	if err != nil {
		return err
	}
	if size < len("HELLO") {
		return fmt.Errorf("writeback %s: the file has %d bytes, the experiment writes 5", cli.Quote(path), size)
	}
	if _, err := filesystemFact(path); err != nil {
		return err
	}
	if err := syncFile(path); err != nil {
		return err
	}
	if err := dirtyAfterMapping(path, size, "dirty at the start"); err != nil {
		return err
	}
	if err := storeAndUnmap(path, size); err != nil {
		return err
	}
	if err := dirtyAfterMapping(path, size, "dirty after munmap, mapped again"); err != nil {
		return err
	}
	if err := syncFile(path); err != nil {
		return err
	}
	cli.Fact("fsync", "ok")
	return dirtyAfterMapping(path, size, "dirty after fsync, mapped again")
}

// storeAndUnmap stores HELLO through a shared mapping, shows the page
// dirty and another process's read() seeing it, and unmaps.
func storeAndUnmap(path string, size int) error {
	m, err := MapFile(path, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	if err := guard("write", path, 0, m, func() { copy(m, "HELLO") }); err != nil {
		Unmap(m)
		return err
	}
	if err := dirtyFact("dirty before munmap", m); err != nil {
		Unmap(m)
		return err
	}
	got, err := fault.ReadInChild(path, len("HELLO"))
	if err != nil {
		Unmap(m)
		return err
	}
	cli.Fact("read() in another process before munmap", got)
	if err := Unmap(m); err != nil {
		return cli.Sys("unmap "+cli.Quote(path), "munmap", err)
	}
	cli.Fact("munmap", "ok")
	return nil
}

// dirtyAfterMapping maps the file read-only, reads its first byte, and
// prints the dirty counter of that mapping: smaps counts a page dirty when
// the page cache holds it dirty, whichever mapping made it so.
func dirtyAfterMapping(path string, size int, name string) (err error) {
	m, err := MapFile(path, 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)
	var b byte
	if err := guard("read", path, 0, m, func() { b = m[0] }); err != nil {
		return err
	}
	_ = b
	return dirtyFact(name, m)
}

// dirtyFact prints smaps' Shared_Dirty + Private_Dirty of the mapping m
// (a page only this process maps counts as Private_Dirty).
func dirtyFact(name string, m []byte) error {
	sm, err := procfs.SmapsAt(addrOf(m))
	if err != nil {
		return err
	}
	cli.Fact(name, fmt.Sprintf("%d kB", sm.SharedDirty+sm.PrivateDirty))
	return nil
}

// syncFile is fsync(2) of path: the dirty pages of the file go to its
// storage (nothing to do on tmpfs).
func syncFile(path string) error {
	f, err := cli.OpenRegular(path, unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	return cli.Sys("write back "+cli.Quote(path), "fsync", f.Sync())
}
