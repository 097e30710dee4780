//go:build linux && (amd64 || arm64)

// protexec: PROT_EXEC, the fourth protection of notes 001 §1.1.1.1 prot.
// What decides it is not the file's execute bits (a 0600 file maps
// PROT_EXEC) but how its filesystem is mounted: on a noexec mount mmap
// refuses PROT_EXEC with EPERM, and mprotect refuses to add it with EACCES.
// /dev/shm, where POSIX shared memory lives, is mounted noexec on many
// systems (Docker's, for one).

package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

func protexecCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // FILE
	return func(args []string) error { return protexec(args[0]) }
}

func tourProtexec() error {
	path, done, err := tempFile("/dev/shm", "not really code\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("PROT_EXEC needs no execute bit (this file is 0600), but a filesystem mounted")
	cli.Say("noexec refuses it: mmap EPERM, mprotect EACCES. /dev/shm is noexec on many")
	cli.Say("systems (Docker's); here:")
	return protexec(path)
}

func protexec(path string) (err error) {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size == 0 {
		return fmt.Errorf("protexec %s: an empty file: there is no page to map (grow it first: truncate -s 4096)", cli.Quote(path))
	}
	length := int(min(size, int64(PageSize())))
	if err := execFacts(path); err != nil {
		return err
	}

	// mmap with PROT_EXEC: the mount decides, not the mode bits.
	m, err := MapFile(path, 0, length, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_SHARED)
	cli.Fact("mmap PROT_READ|PROT_EXEC", cli.Outcome(err))
	perms := "none"
	if err == nil {
		if pm, ok := findMapping(m); ok {
			perms = pm.Perms
		}
		if err := Unmap(m); err != nil {
			return cli.Sys("unmap", "munmap", err)
		}
	}
	cli.Fact("perms in /proc/self/maps with PROT_EXEC", perms)

	// Readable only, then mprotect asks for PROT_EXEC too.
	r, err := MapFile(path, 0, length, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(r, &err)
	cli.Fact("mmap PROT_READ", "ok")
	cli.Fact("mprotect PROT_READ to PROT_READ|PROT_EXEC", cli.Outcome(Protect(r, unix.PROT_READ|unix.PROT_EXEC)))
	return nil
}

// execFacts prints what PROT_EXEC could depend on: the filesystem and its
// noexec flag (statfs f_flags), and the file's mode bits.
func execFacts(path string) error {
	st, err := filesystemFact(path)
	if err != nil {
		return err
	}
	cli.Fact("mounted noexec", cli.YesNo(st.Flags&unix.ST_NOEXEC != 0))
	var fst unix.Stat_t
	if err := unix.Stat(path, &fst); err != nil {
		return cli.Sys("stat "+cli.Quote(path), "stat", err)
	}
	cli.Fact("file mode", fmt.Sprintf("%04o", fst.Mode&0o7777))
	return nil
}

// findMapping finds the line of /proc/self/maps that holds b.
func findMapping(b []byte) (procfs.Mapping, bool) {
	ms, err := procfs.Maps("self")
	if err != nil {
		return procfs.Mapping{}, false
	}
	return procfs.Find(ms, uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}
