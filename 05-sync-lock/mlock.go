//go:build linux && (amd64 || arm64)

// mlock: locks do not nest (notes 001 §1.1.1.5 point 1: memory may be locked
// many times, one unlock is enough). VmLck and smaps' Locked count the
// pages; munlock of part of a range splits the mapping; MAP_LOCKED
// (§1.1.1.1) locks at mmap time, and one munlock undoes it too.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// maxLock bounds what the lab locks: locked memory cannot be reclaimed, and
// other programs share this machine.
const maxLock = 1 << 30

// lockHints say what to do when locking fails.
var lockHints = map[unix.Errno]string{
	unix.ENOMEM: "more than RLIMIT_MEMLOCK allows (`ulimit -l`, in kB); root (CAP_IPC_LOCK) is exempt; the limit experiment shows it",
	unix.EPERM:  "RLIMIT_MEMLOCK is 0 (`ulimit -l`); root (CAP_IPC_LOCK) is exempt",
	unix.EAGAIN: "more than RLIMIT_MEMLOCK allows (`ulimit -l`, in kB); root (CAP_IPC_LOCK) is exempt",
}

func mlockCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 64<<10, 1, maxLock, "bytes to map and lock with mlock, then with MAP_LOCKED")
	return func([]string) error { return mlockExp(int(*size)) }
}

func tourMlock() error {
	cli.Say("mlock (锁定) keeps pages in RAM: /proc/self/status VmLck and smaps Locked count")
	cli.Say("them. The notes say memory may be locked many times and one unlock undoes it:")
	cli.Say("locks do not nest, a page is locked or it is not. munlock of part of a range")
	cli.Say("splits the mapping. MAP_LOCKED locks at mmap time; one munlock undoes it too.")
	return mlockExp(64 << 10)
}

func mlockExp(size int) (err error) {
	cli.Fact("size", size)
	// MAP_SHARED anonymous memory is never merged with a neighbouring
	// mapping, so the lines of smaps over it are about it alone.
	m, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map %d bytes of anonymous memory", size), "mmap", err)
	}
	defer unmapAtEnd(m, &err)
	if err := lockTwice(m); err != nil {
		return err
	}
	if size > PageSize() {
		if err := unlockFirstPage(m); err != nil {
			return err
		}
	}
	return mapLocked(size)
}

// lockTwice locks m twice and unlocks it once: the counters show a page is
// locked or not, never locked twice.
func lockTwice(m []byte) error {
	what := fmt.Sprintf("lock %d bytes", len(m))
	if err := vmLckFact("VmLck before mlock"); err != nil {
		return err
	}
	if err := Lock(m); err != nil {
		return cli.WithHints(cli.Sys(what, "mlock", err), lockHints)
	}
	cli.Fact("mlock", "ok")
	if err := vmLckFact("VmLck after mlock"); err != nil {
		return err
	}
	if err := lockedFact("Locked after mlock", m); err != nil {
		return err
	}

	// Again: nothing more is locked.
	if err := Lock(m); err != nil {
		return cli.Sys(what+" again", "mlock", err)
	}
	cli.Fact("mlock again", "ok")
	if err := vmLckFact("VmLck after a second mlock"); err != nil {
		return err
	}

	// One munlock undoes both.
	if err := Unlock(m); err != nil {
		return cli.Sys(fmt.Sprintf("unlock %d bytes", len(m)), "munlock", err)
	}
	cli.Fact("munlock once", "ok")
	if err := vmLckFact("VmLck after one munlock"); err != nil {
		return err
	}
	return lockedFact("Locked after one munlock", m)
}

// unlockFirstPage locks all of m and unlocks its first page: the mapping
// splits in two, one locked and one not.
func unlockFirstPage(m []byte) error {
	if err := Lock(m); err != nil {
		return cli.Sys(fmt.Sprintf("lock %d bytes", len(m)), "mlock", err)
	}
	if err := Unlock(m[:PageSize()]); err != nil {
		return cli.Sys("unlock the first page", "munlock", err)
	}
	s, err := statsOf(m)
	if err != nil {
		return err
	}
	cli.Fact("munlock of the first page: mappings", s.n)
	cli.Fact("munlock of the first page: Locked", kB(s.locked))
	return cli.Sys(fmt.Sprintf("unlock %d bytes", len(m)), "munlock", Unlock(m))
}

// mapLocked maps size bytes with MAP_LOCKED: locked by mmap itself, without
// an mlock call; one munlock unlocks it.
func mapLocked(size int) (err error) {
	l, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_LOCKED)
	if err != nil {
		return cli.WithHints(cli.Sys(fmt.Sprintf("map %d bytes MAP_LOCKED", size), "mmap", err), lockHints)
	}
	defer unmapAtEnd(l, &err)
	if err := lockedFact("MAP_LOCKED: Locked without mlock", l); err != nil {
		return err
	}
	if err := vmLckFact("MAP_LOCKED: VmLck"); err != nil {
		return err
	}
	if err := Unlock(l); err != nil {
		return cli.Sys(fmt.Sprintf("unlock %d bytes", size), "munlock", err)
	}
	return lockedFact("MAP_LOCKED: Locked after one munlock", l)
}
