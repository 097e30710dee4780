//go:build linux && (amd64 || arm64)

// msync: a store through a MAP_SHARED mapping is seen by read() at once (one
// page cache); what msync(MS_SYNC) does is write the dirty page to the
// file's storage and wait (notes 001 §1.1.1 point 2, §1.1.1.4 MS_SYNC). On
// tmpfs there is no storage, and the page stays dirty.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func msyncCmd(f *cli.Flags) cli.Action {
	return syncFileCmd(f, "msync", false)
}

// syncFileCmd declares the flags and arguments msync and msync-async share.
func syncFileCmd(f *cli.Flags, name string, async bool) cli.Action {
	keep := f.Bool("keep", "keep FILE afterwards (it is created with O_EXCL; removed by default, and when interrupted)")
	f.Args(1, 2) // FILE [TEXT]
	return func(args []string) error {
		text := "HELLO"
		if len(args) == 2 {
			text = args[1]
		}
		if text == "" || len(text) > len(initialContent) {
			return cli.Usagef("%s: TEXT must have 1 to %d bytes", name, len(initialContent))
		}
		remove, err := createFile(args[0], *keep)
		if err != nil {
			return err
		}
		defer remove()
		return syncFile(args[0], text, async)
	}
}

func tourMsync() error {
	cli.Say("Write through a MAP_SHARED mapping of a file on disk and watch smaps' dirty")
	cli.Say("counter (脏页). The notes say the change reaches the file only after munmap or")
	cli.Say("msync, yet another process's read() sees it at once: the mapping and read() share")
	cli.Say("the page cache. What msync(MS_SYNC) does is write the dirty page to the disk and")
	cli.Say("wait: durability across a crash or power loss, not visibility.")
	path, done, err := tempFile("", initialContent)
	if err != nil {
		return err
	}
	defer done()
	if err := syncFile(path, "HELLO", false); err != nil {
		return err
	}
	cli.Say("The same in /dev/shm (tmpfs): no disk behind it, so msync has nothing to do and")
	cli.Say("the pages stay dirty; they live in memory, or in swap, until the file is removed.")
	path, done, err = tempFile("/dev/shm", initialContent)
	if err != nil {
		return err
	}
	defer done()
	return syncFile(path, "HELLO", false)
}

// syncFile writes text at the start of path through a shared mapping and
// shows the dirty counter of the mapping around msync (MS_ASYNC first if
// async). The counters are read right after each step: the kernel's flusher
// writes a page back only once it has been dirty for
// vm.dirty_expire_centisecs (30 s by default), far longer than the run.
func syncFile(path, text string, async bool) (err error) {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < len(text) {
		return fmt.Errorf("%s: the file has %d bytes, fewer than the %d of %q", cli.Quote(path), size, len(text), text)
	}
	storage, err := filesystemFacts(path)
	if err != nil {
		return err
	}
	m, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)
	if err := descriptorsFact(path); err != nil {
		return err
	}
	if err := writeAndRead(path, m, text); err != nil {
		return err
	}

	// MS_ASYNC: returns at once, and leaves the page as dirty as it was.
	if async {
		if err := Sync(m, unix.MS_ASYNC); err != nil {
			return cli.Sys("sync MS_ASYNC", "msync", err)
		}
		cli.Fact("msync(MS_ASYNC)", "ok")
		if err := dirtyFact("dirty after MS_ASYNC", m); err != nil {
			return err
		}
	}

	// MS_SYNC: writes the dirty page to the storage and waits.
	if err := Sync(m, unix.MS_SYNC); err != nil {
		return cli.Sys("sync MS_SYNC", "msync", err)
	}
	cli.Fact("msync(MS_SYNC)", "ok")
	if err := dirtyFact("dirty after msync", m); err != nil {
		return err
	}
	if !storage {
		cli.Say("(tmpfs: msync has no storage to write to; the dirty pages stay in memory)")
	}
	return nil
}

// writeAndRead starts from a clean page, stores text through the mapping m
// of path, and has another process read() it before any msync.
func writeAndRead(path string, m []byte, text string) error {
	// Start clean: whatever write() left dirty goes to the disk first (on
	// tmpfs nothing happens).
	if err := Sync(m, unix.MS_SYNC); err != nil {
		return cli.Sys("sync MS_SYNC", "msync", err)
	}
	if err := dirtyFact("dirty at the start", m); err != nil {
		return err
	}

	// A store: the page is dirty now. Guarded: another process may
	// truncate the file under the mapping (SIGBUS).
	if err := guard("write", path, m, func() { copy(m, text) }); err != nil {
		return err
	}
	if err := dirtyFact("dirty before msync", m); err != nil {
		return err
	}

	// Another process's read() sees it already.
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process before msync", got)
	cli.Fact("read() sees the change before msync", cli.YesNo(got == text))
	return nil
}
