//go:build linux && (amd64 || arm64)

// invalidate: the notes say MS_INVALIDATE flushes the cache and cancels the
// writes (001 §1.1.1.4). Linux cancels nothing: a shared mapping's write
// stays (and stays dirty), a private mapping keeps its copy-on-write copy,
// and a private page never written already shows a write() to the file. Its
// one effect is an error: EBUSY over a locked mapping.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func invalidateCmd(f *cli.Flags) cli.Action {
	keep := f.Bool("keep", "keep FILE afterwards (it is created with O_EXCL; removed by default, and when interrupted)")
	f.Args(1, 1) // FILE
	return func(args []string) error {
		remove, err := createFile(args[0], *keep)
		if err != nil {
			return err
		}
		defer remove()
		return invalidate(args[0])
	}
}

func tourInvalidate() error {
	cli.Say("The notes say MS_INVALIDATE flushes the cache and cancels writes. Linux cancels")
	cli.Say("nothing: a shared mapping's write stays (and stays dirty), a private mapping keeps")
	cli.Say("its copy-on-write copy, and a page a private mapping never wrote already shows")
	cli.Say("write()s to the file without it. On a locked mapping MS_INVALIDATE is EBUSY.")
	path, done, err := tempFile("", initialContent)
	if err != nil {
		return err
	}
	defer done()
	return invalidate(path)
}

// The markers written by the invalidate experiment, all of one length.
const (
	markMapped = "MAPPED" // through the shared mapping
	markCopied = "COPIED" // through a private mapping (its own copy)
	markPwrite = "PWRITE" // with pwrite(2), not through a mapping
)

func invalidate(path string) (err error) {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < len(markMapped) {
		return fmt.Errorf("%s: the file has %d bytes, the experiment writes %d", cli.Quote(path), size, len(markMapped))
	}
	if _, err := filesystemFacts(path); err != nil {
		return err
	}
	sh, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(sh, &err)
	if err := invalidateShared(path, sh); err != nil {
		return err
	}
	if err := invalidatePrivate(path, size); err != nil {
		return err
	}

	// A locked mapping: MS_INVALIDATE is refused with EBUSY.
	if err := Lock(sh); err != nil {
		return cli.Sys("lock the shared mapping", "mlock", err)
	}
	v, err := outcome(Sync(sh, unix.MS_SYNC|unix.MS_INVALIDATE))
	if err != nil {
		return err
	}
	cli.Fact("locked: msync(MS_SYNC|MS_INVALIDATE)", v)
	return cli.Sys("unlock the shared mapping", "munlock", Unlock(sh))
}

// invalidateShared writes through the shared mapping sh of path, then
// MS_INVALIDATE: the write stays, dirty, and other processes read it.
func invalidateShared(path string, sh []byte) error {
	if err := guard("write", path, sh, func() { copy(sh, markMapped) }); err != nil {
		return err
	}
	if err := dirtyFact("shared: dirty before MS_INVALIDATE", sh); err != nil {
		return err
	}
	if err := Sync(sh, unix.MS_INVALIDATE); err != nil {
		return cli.Sys("sync MS_INVALIDATE", "msync", err)
	}
	cli.Fact("shared: msync(MS_INVALIDATE)", "ok")
	if err := dirtyFact("shared: dirty after MS_INVALIDATE", sh); err != nil {
		return err
	}
	got, err := fault.ReadInChild(path, len(markMapped))
	if err != nil {
		return err
	}
	cli.Fact("shared: read() in another process after MS_INVALIDATE", got)
	return nil
}

// invalidatePrivate maps path privately twice, writes through one (its own
// copy), pwrite()s the file, and shows what each mapping and the file hold
// around MS_INVALIDATE.
func invalidatePrivate(path string, size int) (err error) {
	pr, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(pr, &err)
	untouched, err := MapFile(path, size, unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(untouched, &err)

	// The first write to pr copies its page; then the file changes. Every
	// access is guarded: another process may truncate the file.
	n := len(markCopied)
	if err := guard("write", path, pr, func() { copy(pr, markCopied) }); err != nil {
		return err
	}
	if err := pwrite(path, markPwrite); err != nil {
		return err
	}
	var seen string
	if err := guard("read", path, untouched, func() { seen = string(untouched[:n]) }); err != nil {
		return err
	}
	cli.Fact("private: untouched mapping after pwrite, no msync", seen)

	// MS_INVALIDATE: the copy stays; the file keeps the pwrite.
	if err := Sync(pr, unix.MS_INVALIDATE); err != nil {
		return cli.Sys("sync MS_INVALIDATE", "msync", err)
	}
	cli.Fact("private: msync(MS_INVALIDATE)", "ok")
	if err := guard("read", path, pr, func() { seen = string(pr[:n]) }); err != nil {
		return err
	}
	cli.Fact("private: written mapping after MS_INVALIDATE", seen)
	got, err := fault.ReadInChild(path, n)
	if err != nil {
		return err
	}
	cli.Fact("private: read() of the file", got)
	return nil
}

// pwrite writes text at offset 0 of path with pwrite(2), the way a process
// that never maps the file would.
func pwrite(path, text string) error {
	f, err := cli.OpenRegular(path, unix.O_WRONLY|unix.O_NOFOLLOW)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt([]byte(text), 0)
	return cli.Sys("write "+cli.Quote(path), "pwrite", err)
}
