//go:build linux && (amd64 || arm64)

// The msync experiments (notes 001 §1.1.1.4): msync, msync-async,
// msync-flags, invalidate.

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func runMsync(args []string) error      { return runSyncFile("msync", args, false) }
func runMsyncAsync(args []string) error { return runSyncFile("msync-async", args, true) }

func runSyncFile(name string, args []string, async bool) error {
	fs := cli.NewFlags(name)
	keep := fs.Bool("keep", false, "keep FILE afterwards")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want(name, pos, 1, 2); err != nil {
		return err
	}
	text := "HELLO"
	if len(pos) == 2 {
		text = pos[1]
	}
	if text == "" || len(text) > len(initialContent) {
		return cli.Usagef("%s: TEXT must have 1 to %d bytes", name, len(initialContent))
	}
	remove, err := createFile(pos[0], *keep)
	if err != nil {
		return err
	}
	defer remove()
	return syncFile(pos[0], text, async)
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

func tourMsyncAsync() error {
	cli.Say("The notes say MS_ASYNC returns at once and the write happens asynchronously. On")
	cli.Say("Linux it starts no write at all: the kernel already tracks dirty pages and its")
	cli.Say("flusher threads write them back later (after about 30 s, vm.dirty_expire_centisecs).")
	cli.Say("So right after MS_ASYNC the page is as dirty as before; MS_SYNC cleans it.")
	path, done, err := tempFile("", initialContent)
	if err != nil {
		return err
	}
	defer done()
	return syncFile(path, "HELLO", true)
}

// syncFile writes text at the start of path through a shared mapping and
// shows the dirty counter of the mapping around msync. The counters are read
// right after each step: writeback by the kernel's flusher would need the
// page to have been dirty for vm.dirty_expire_centisecs (30 s by default),
// and between a step and the read of smaps there is well under a second.
func syncFile(path, text string, async bool) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < len(text) {
		return fmt.Errorf("%s: the file has %d bytes, fewer than the %d of %q", path, size, len(text), text)
	}
	storage, err := filesystemFacts(path)
	if err != nil {
		return err
	}
	m, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	// Start clean: whatever write() or an earlier run left dirty goes to
	// the disk first (on tmpfs nothing happens).
	if err := Sync(m, unix.MS_SYNC); err != nil {
		return err
	}
	if err := dirtyFact("dirty at the start", m); err != nil {
		return err
	}
	copy(m, text)
	if err := dirtyFact("dirty before msync", m); err != nil {
		return err
	}
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process before msync", got)
	cli.Fact("read() sees the change before msync", cli.YesNo(got == text))
	if async {
		if err := Sync(m, unix.MS_ASYNC); err != nil {
			return err
		}
		cli.Fact("msync(MS_ASYNC)", "ok")
		if err := dirtyFact("dirty after MS_ASYNC", m); err != nil {
			return err
		}
	}
	if err := Sync(m, unix.MS_SYNC); err != nil {
		return err
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

func runMsyncFlags(args []string) error {
	if err := cli.Want("msync-flags", args, 0, 0); err != nil {
		return err
	}
	return msyncFlags()
}

func tourMsyncFlags() error {
	cli.Say("msync checks its arguments: MS_SYNC and MS_ASYNC together, an address not on a")
	cli.Say("page boundary, or an unknown flag are EINVAL; a range with a hole is ENOMEM.")
	return msyncFlags()
}

func msyncFlags() error {
	ps := PageSize()
	// MAP_SHARED anonymous memory is never merged with a neighbour, so the
	// hole made below stays a hole.
	m, err := MapAnon(3*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	steps := []struct {
		fact  string
		b     []byte
		flags int
	}{
		{"msync(MS_SYNC) of anonymous memory", m, unix.MS_SYNC},
		{"msync(MS_SYNC|MS_ASYNC)", m, unix.MS_SYNC | unix.MS_ASYNC},
		{"msync at an unaligned address", m[1:], unix.MS_SYNC},
		{"msync with an unknown flag (0x8)", m, 0x8},
	}
	for _, s := range steps {
		v, err := outcome(Sync(s.b, s.flags))
		if err != nil {
			return err
		}
		cli.Fact(s.fact, v)
	}
	if err := Unmap(m[ps : 2*ps]); err != nil {
		return err
	}
	v, err := outcome(Sync(m, unix.MS_SYNC))
	if err != nil {
		return err
	}
	cli.Fact("msync over a range with an unmapped page", v)
	return nil
}

func runInvalidate(args []string) error {
	fs := cli.NewFlags("invalidate")
	keep := fs.Bool("keep", false, "keep FILE afterwards")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("invalidate", pos, 1, 1); err != nil {
		return err
	}
	remove, err := createFile(pos[0], *keep)
	if err != nil {
		return err
	}
	defer remove()
	return invalidate(pos[0])
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

func invalidate(path string) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	n := len(markMapped)
	if size < n {
		return fmt.Errorf("%s: the file has %d bytes, the experiment writes %d", path, size, n)
	}
	if _, err := filesystemFacts(path); err != nil {
		return err
	}

	// 1. MAP_SHARED: write, then MS_INVALIDATE.
	sh, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(sh)
	copy(sh, markMapped)
	if err := dirtyFact("shared: dirty before MS_INVALIDATE", sh); err != nil {
		return err
	}
	if err := Sync(sh, unix.MS_INVALIDATE); err != nil {
		return err
	}
	cli.Fact("shared: msync(MS_INVALIDATE)", "ok")
	if err := dirtyFact("shared: dirty after MS_INVALIDATE", sh); err != nil {
		return err
	}
	got, err := fault.ReadInChild(path, n)
	if err != nil {
		return err
	}
	cli.Fact("shared: read() in another process after MS_INVALIDATE", got)

	// 2. MAP_PRIVATE: our copy against a write() to the file.
	pr, err := MapFile(path, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer Unmap(pr)
	untouched, err := MapFile(path, size, unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer Unmap(untouched)
	copy(pr, markCopied) // the first write copies the page
	if err := pwrite(path, markPwrite); err != nil {
		return err
	}
	cli.Fact("private: untouched mapping after pwrite, no msync", string(untouched[:n]))
	if err := Sync(pr, unix.MS_INVALIDATE); err != nil {
		return err
	}
	cli.Fact("private: msync(MS_INVALIDATE)", "ok")
	cli.Fact("private: written mapping after MS_INVALIDATE", string(pr[:n]))
	got, err = fault.ReadInChild(path, n)
	if err != nil {
		return err
	}
	cli.Fact("private: read() of the file", got)

	// 3. A locked mapping.
	if err := Lock(sh); err != nil {
		return err
	}
	v, err := outcome(Sync(sh, unix.MS_SYNC|unix.MS_INVALIDATE))
	if err != nil {
		return err
	}
	cli.Fact("locked: msync(MS_SYNC|MS_INVALIDATE)", v)
	return Unlock(sh)
}

// pwrite writes text at offset 0 of path with pwrite(2), the way a process
// that never maps the file would.
func pwrite(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return cli.Sys("open "+path, "open", err)
	}
	defer f.Close()
	_, err = f.WriteAt([]byte(text), 0)
	return cli.Sys("write "+path, "pwrite", err)
}
