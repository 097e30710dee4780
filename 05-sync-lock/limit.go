//go:build linux && (amd64 || arm64)

// The limit experiment: RLIMIT_MEMLOCK, which an unprivileged process must
// stay within and root (CAP_IPC_LOCK) ignores.

package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func runLimit(args []string) error {
	fs := cli.NewFlags("limit")
	limitArg := fs.String("limit", "64K", "lower the soft RLIMIT_MEMLOCK to this many bytes first")
	sizeArg := fs.String("size", "1M", "bytes to lock")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("limit", pos, 0, 0); err != nil {
		return err
	}
	limit, err := cli.ParseCount("limit", *limitArg, 0, 1<<40)
	if err != nil {
		return err
	}
	size, err := cli.ParseCount("size", *sizeArg, 1, maxLock)
	if err != nil {
		return err
	}
	return limitExp(uint64(limit), int(size))
}

func tourLimit() error {
	cli.Say("RLIMIT_MEMLOCK caps how much an unprivileged process may lock: mlock over it is")
	cli.Say("ENOMEM, mmap(MAP_LOCKED) over it is EAGAIN, and after mlockall(MCL_FUTURE) every")
	cli.Say("mmap that would go over it is EAGAIN. A limit of 0 makes them all EPERM. Root")
	cli.Say("has CAP_IPC_LOCK and is not limited. First as this process:")
	if err := limitExp(64<<10, 1<<20); err != nil {
		return err
	}
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
	cli.Fact("uid", os.Geteuid())
	if err := SetLockLimit(limit); err != nil {
		return err
	}
	cli.Fact("RLIMIT_MEMLOCK", fmt.Sprintf("%d bytes", limit))
	rw := unix.PROT_READ | unix.PROT_WRITE

	// mlock of a mapping bigger than the limit.
	m, err := MapAnon(size, rw, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	lockErr := Lock(m)
	v, err := outcome(lockErr)
	if err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mlock %d bytes", size), v)
	if lockErr == nil {
		if err := Unlock(m); err != nil {
			return err
		}
	}

	// MAP_LOCKED: the same limit, checked by mmap.
	l, mapErr := MapAnon(size, rw, unix.MAP_SHARED|unix.MAP_LOCKED)
	if v, err = outcome(mapErr); err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mmap %d bytes MAP_LOCKED", size), v)
	if mapErr == nil {
		Unmap(l)
	}

	// mlockall(MCL_FUTURE): every later mmap is checked against the limit.
	// While it is on, the Go runtime's own mmaps are locked and checked too,
	// so it is turned off right after the one mmap that shows it.
	allErr := LockAll(unix.MCL_FUTURE)
	if v, err = outcome(allErr); err != nil {
		return err
	}
	if allErr != nil {
		cli.Fact("mlockall(MCL_FUTURE)", v)
		return nil
	}
	f, mapErr := MapAnon(size, rw, unix.MAP_SHARED)
	if err := UnlockAll(); err != nil {
		return err
	}
	cli.Fact("mlockall(MCL_FUTURE)", v)
	if v, err = outcome(mapErr); err != nil {
		return err
	}
	cli.Fact(fmt.Sprintf("mmap %d bytes after MCL_FUTURE", size), v)
	if mapErr == nil {
		Unmap(f)
	}
	return nil
}
