//go:build linux && (amd64 || arm64)

// The mlock experiments (notes 001 §1.1.1.5): mlock, round, mlockall, and
// lockfile (a lock is per process).

package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// maxLock bounds what the lab locks: locked memory cannot be reclaimed, and
// other programs share this machine.
const maxLock = 1 << 30

func parseSize(name string, args []string, def string) ([]string, int, error) {
	fs := cli.NewFlags(name)
	sizeArg := fs.String("size", def, "bytes to map and lock")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return nil, 0, err
	}
	size, err := cli.ParseCount("size", *sizeArg, 1, maxLock)
	if err != nil {
		return nil, 0, err
	}
	return pos, int(size), nil
}

func runMlock(args []string) error {
	pos, size, err := parseSize("mlock", args, "64K")
	if err != nil {
		return err
	}
	if err := cli.Want("mlock", pos, 0, 0); err != nil {
		return err
	}
	return mlockExp(size)
}

func tourMlock() error {
	cli.Say("mlock (锁定) keeps pages in RAM: /proc/self/status VmLck and smaps Locked count")
	cli.Say("them. The notes say memory may be locked many times and one unlock undoes it:")
	cli.Say("locks do not nest, a page is locked or it is not. munlock of part of a range")
	cli.Say("splits the mapping. MAP_LOCKED locks at mmap time; one munlock undoes it too.")
	return mlockExp(64 << 10)
}

func mlockExp(size int) error {
	ps := PageSize()
	cli.Fact("size", size)
	// MAP_SHARED anonymous memory is never merged with a neighbouring
	// mapping, so the lines of smaps over it are about it alone.
	m, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	if err := vmLckFact("VmLck before mlock"); err != nil {
		return err
	}
	if err := Lock(m); err != nil {
		if errors.Is(err, unix.ENOMEM) || errors.Is(err, unix.EPERM) {
			return cli.SysHint(fmt.Sprintf("lock %d bytes", size), "mlock", errors.Unwrap(err),
				"more than RLIMIT_MEMLOCK allows (`ulimit -l`, in kB); root (CAP_IPC_LOCK) is exempt; the limit experiment shows it")
		}
		return err
	}
	cli.Fact("mlock", "ok")
	if err := vmLckFact("VmLck after mlock"); err != nil {
		return err
	}
	if err := lockedFact("Locked after mlock", m); err != nil {
		return err
	}
	if err := Lock(m); err != nil {
		return err
	}
	cli.Fact("mlock again", "ok")
	if err := vmLckFact("VmLck after a second mlock"); err != nil {
		return err
	}
	if err := Unlock(m); err != nil {
		return err
	}
	cli.Fact("munlock once", "ok")
	if err := vmLckFact("VmLck after one munlock"); err != nil {
		return err
	}
	if err := lockedFact("Locked after one munlock", m); err != nil {
		return err
	}

	if size > ps {
		// Lock it all, unlock the first page: the mapping splits in two.
		if err := Lock(m); err != nil {
			return err
		}
		if err := Unlock(m[:ps]); err != nil {
			return err
		}
		s, err := statsOf(m)
		if err != nil {
			return err
		}
		cli.Fact("munlock of the first page: mappings", s.n)
		cli.Fact("munlock of the first page: Locked", kB(s.locked))
		if err := Unlock(m); err != nil {
			return err
		}
	}

	// MAP_LOCKED: locked by mmap itself, without an mlock call.
	l, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_LOCKED)
	if err != nil {
		return err
	}
	defer Unmap(l)
	if err := lockedFact("MAP_LOCKED: Locked without mlock", l); err != nil {
		return err
	}
	if err := vmLckFact("MAP_LOCKED: VmLck"); err != nil {
		return err
	}
	if err := Unlock(l); err != nil {
		return err
	}
	return lockedFact("MAP_LOCKED: Locked after one munlock", l)
}

func runRound(args []string) error {
	if err := cli.Want("round", args, 0, 0); err != nil {
		return err
	}
	return round()
}

func tourRound() error {
	cli.Say("mlock works on whole pages: the range is widened to the pages it touches.")
	cli.Say("One byte locks a page; two bytes across a page boundary lock two.")
	return round()
}

func round() error {
	ps := PageSize()
	cli.Fact("page size", ps)
	m, err := MapAnon(4*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	pages := func(name string, b []byte) error {
		s, err := statsOf(m)
		if err != nil {
			return err
		}
		cli.Fact(name+": Locked", kB(s.locked))
		cli.Fact(name+": pages locked", s.locked*1024/int64(ps))
		return nil
	}
	one := m[ps+ps/2 : ps+ps/2+1]
	if err := Lock(one); err != nil {
		return err
	}
	if err := pages(fmt.Sprintf("mlock of 1 byte at offset %d", ps+ps/2), m); err != nil {
		return err
	}
	if err := Unlock(one); err != nil {
		return err
	}
	two := m[2*ps-1 : 2*ps+1]
	if err := Lock(two); err != nil {
		return err
	}
	if err := pages(fmt.Sprintf("mlock of 2 bytes at offset %d", 2*ps-1), m); err != nil {
		return err
	}
	// One byte of munlock unlocks its whole page too.
	if err := Unlock(m[2*ps : 2*ps+1]); err != nil {
		return err
	}
	return pages(fmt.Sprintf("then munlock of 1 byte at offset %d", 2*ps), m)
}

func runMlockall(args []string) error {
	pos, size, err := parseSize("mlockall", args, "64K")
	if err != nil {
		return err
	}
	if err := cli.Want("mlockall", pos, 0, 0); err != nil {
		return err
	}
	return mlockall(size)
}

func tourMlockall() error {
	cli.Say("mlockall locks the whole address space. MCL_CURRENT locks what is mapped now,")
	cli.Say("and a mapping made afterwards is not locked. The notes say MCL_FUTURE locks the")
	cli.Say("current mappings and the later ones; on Linux MCL_FUTURE alone locks only the")
	cli.Say("mappings made after the call. munlockall undoes both.")
	return mlockall(64 << 10)
}

func mlockall(size int) error {
	rw := unix.PROT_READ | unix.PROT_WRITE
	before, err := MapAnon(size, rw, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(before)

	// MCL_CURRENT.
	if err := LockAll(unix.MCL_CURRENT); err != nil {
		if errors.Is(err, unix.ENOMEM) {
			return cli.SysHint("lock all mappings (MCL_CURRENT)", "mlockall", unix.ENOMEM,
				"this process maps more than RLIMIT_MEMLOCK allows (a Go program maps hundreds of MB); run as root, or raise `ulimit -l`")
		}
		return err
	}
	cli.Fact("mlockall(MCL_CURRENT)", "ok")
	after, err := MapAnon(size, rw, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return err
	}
	defer Unmap(after)
	errB := lockedFact("MCL_CURRENT: Locked of a mapping made before", before)
	errA := lockedFact("MCL_CURRENT: Locked of a mapping made after", after)
	if err := UnlockAll(); err != nil {
		return err
	}
	if errB != nil || errA != nil {
		return fmt.Errorf("read smaps: %v %v", errB, errA)
	}
	cli.Fact("munlockall", "ok")
	if err := lockedFact("after munlockall: Locked of the mapping made before", before); err != nil {
		return err
	}

	// MCL_FUTURE alone. Every mapping made while it is on is locked,
	// including the Go runtime's own, so it is on only for a moment.
	if err := LockAll(unix.MCL_FUTURE); err != nil {
		return err
	}
	cli.Fact("mlockall(MCL_FUTURE)", "ok")
	later, err := MapAnon(size, rw, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return err
	}
	defer Unmap(later)
	errB = lockedFact("MCL_FUTURE: Locked of a mapping made before", before)
	errA = lockedFact("MCL_FUTURE: Locked of a mapping made after", later)
	if err := UnlockAll(); err != nil {
		return err
	}
	if errB != nil || errA != nil {
		return fmt.Errorf("read smaps: %v %v", errB, errA)
	}
	cli.Fact("munlockall", "ok")
	if err := lockedFact("after munlockall: Locked of the mapping made after", later); err != nil {
		return err
	}
	next, err := MapAnon(size, rw, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(next)
	return lockedFact("after munlockall: Locked of a new mapping", next)
}
