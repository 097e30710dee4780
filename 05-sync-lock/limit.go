//go:build linux && (amd64 || arm64)

// limit: RLIMIT_MEMLOCK, which the notes do not mention (001 §1.1.1.5,
// §1.1.1.1 MAP_LOCKED). Over it, an unprivileged process's mlock is ENOMEM,
// mmap(MAP_LOCKED) is EAGAIN, and after mlockall(MCL_FUTURE) any mmap that
// would go over it is EAGAIN; a limit of 0 makes them EPERM. Root
// (CAP_IPC_LOCK) is not limited.

package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	// The tour's unprivileged runs: limit LIMIT SIZE.
	fault.Register("limit", func(args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("limit probe: want LIMIT SIZE")
		}
		limit, err1 := strconv.ParseUint(args[0], 10, 64)
		size, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("limit probe: bad arguments %q", args)
		}
		return limitExp(limit, size)
	})
}

func limitCmd(f *cli.Flags) cli.Action {
	limit := f.Int("limit", 64<<10, 0, 1<<40, "RLIMIT_MEMLOCK: first set the soft limit to N bytes (setrlimit)")
	size := f.Int("size", 1<<20, 1, maxLock, "bytes to lock with mlock, MAP_LOCKED and MCL_FUTURE")
	return func([]string) error { return limitExp(uint64(*limit), int(*size)) }
}

func tourLimit() error {
	cli.Say("RLIMIT_MEMLOCK caps how much an unprivileged process may lock: mlock over it is")
	cli.Say("ENOMEM, mmap(MAP_LOCKED) over it is EAGAIN, and after mlockall(MCL_FUTURE) every")
	cli.Say("mmap that would go over it is EAGAIN. A limit of 0 makes them all EPERM. Root")
	cli.Say("has CAP_IPC_LOCK and is not limited: `synclock limit` as root gets ok for each.")
	for _, limit := range []string{"65536", "0"} {
		cli.Say("As an unprivileged process, with the limit at %s bytes:", limit)
		res, err := fault.RunUnprivileged("limit", limit, strconv.Itoa(1<<20))
		if err != nil {
			return err
		}
		fmt.Fprint(cli.Stdout, res.Output)
	}
	return nil
}

func limitExp(limit uint64, size int) error {
	// Who we are, and the limit we set ourselves.
	cli.Fact("uid", os.Geteuid())
	if err := SetLockLimit(limit); err != nil {
		return cli.WithHints(cli.Sys(fmt.Sprintf("set RLIMIT_MEMLOCK to %d", limit), "setrlimit", err), map[unix.Errno]string{
			unix.EPERM: "above the hard limit (`ulimit -Hl`, in KiB), which only a process with CAP_SYS_RESOURCE may raise",
		})
	}
	if err := memlockFact(); err != nil {
		return err
	}
	if err := limitLock(size); err != nil {
		return err
	}
	return limitFuture(size)
}

// limitLock tries mlock of a mapping of size bytes, then mmap(MAP_LOCKED)
// of as many: the same limit, checked by two calls.
func limitLock(size int) (err error) {
	m, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map %d bytes of anonymous memory", size), "mmap", err)
	}
	defer unmapAtEnd(m, &err)
	lockErr := Lock(m)
	v, err := outcome(lockErr)
	if err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mlock %d bytes", size), v)
	if lockErr == nil {
		if err := Unlock(m); err != nil {
			return cli.Sys(fmt.Sprintf("unlock %d bytes", size), "munlock", err)
		}
	}

	l, mapErr := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_LOCKED)
	if v, err = outcome(mapErr); err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mmap %d bytes MAP_LOCKED", size), v)
	if mapErr == nil {
		return cli.Sys("unmap", "munmap", Unmap(l))
	}
	return nil
}

// limitFuture: after mlockall(MCL_FUTURE) every mmap is checked against the
// limit. While it is on, the Go runtime's own mmaps are locked and checked
// too, so it is turned off right after the one mmap that shows it.
func limitFuture(size int) error {
	allErr := LockAll(unix.MCL_FUTURE)
	v, err := outcome(allErr)
	if err != nil {
		return err
	}
	if allErr != nil {
		cli.Fact("mlockall(MCL_FUTURE)", v)
		return nil
	}
	f, mapErr := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err := UnlockAll(); err != nil {
		return cli.Sys("unlock all mappings", "munlockall", err)
	}
	cli.Fact("mlockall(MCL_FUTURE)", v)
	if v, err = outcome(mapErr); err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mmap %d bytes after MCL_FUTURE", size), v)
	if mapErr == nil {
		return cli.Sys("unmap", "munmap", Unmap(f))
	}
	return nil
}
