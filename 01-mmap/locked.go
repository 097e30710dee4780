//go:build linux && (amd64 || arm64)

// The MAP_LOCKED experiment: locked pages, and the RLIMIT_MEMLOCK limit that
// root (CAP_IPC_LOCK) does not have.

package main

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func runLocked(args []string) error {
	fs := cli.NewFlags("locked")
	sizeArg := fs.String("size", "64K", "bytes to map with MAP_LOCKED")
	limitArg := fs.String("limit", "", "lower RLIMIT_MEMLOCK to this many bytes first")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("locked", pos, 0, 0); err != nil {
		return err
	}
	size, err := cli.ParseCount("size", *sizeArg, 1, 1<<30)
	if err != nil {
		return err
	}
	limit := int64(-1)
	if *limitArg != "" {
		if limit, err = cli.ParseCount("limit", *limitArg, 0, 1<<40); err != nil {
			return err
		}
	}
	return locked(int(size), limit)
}

func tourLocked() error {
	cli.Say("MAP_LOCKED asks for the pages to be faulted in and locked in memory, like")
	cli.Say("mlock after mmap. smaps' Locked: counts them. An unprivileged process may lock")
	cli.Say("at most RLIMIT_MEMLOCK bytes; root has CAP_IPC_LOCK and no such limit.")
	if err := locked(64<<10, -1); err != nil {
		return err
	}
	cli.Say("Now 1 MiB with RLIMIT_MEMLOCK lowered to 64 KiB, by an unprivileged process:")
	res, err := fault.RunUnprivileged("locked-over-limit")
	if err != nil {
		return err
	}
	fmt.Fprint(cli.Stdout, res.Output)
	return nil
}

func locked(size int, limit int64) error {
	cli.Fact("uid", os.Geteuid())
	if limit >= 0 {
		var rl unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
			return cli.Sys("read RLIMIT_MEMLOCK", "getrlimit", err)
		}
		rl.Cur = uint64(limit)
		if rl.Max < rl.Cur {
			rl.Max = rl.Cur
		}
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
			return cli.Sys(fmt.Sprintf("set RLIMIT_MEMLOCK to %d", limit), "setrlimit", err)
		}
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return cli.Sys("read RLIMIT_MEMLOCK", "getrlimit", err)
	}
	if rl.Cur == unix.RLIM_INFINITY {
		cli.Fact("RLIMIT_MEMLOCK", "unlimited")
	} else {
		cli.Fact("RLIMIT_MEMLOCK", fmt.Sprintf("%d bytes", rl.Cur))
	}
	m, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_LOCKED)
	if errors.Is(err, unix.EAGAIN) {
		cli.Fact(fmt.Sprintf("map %d bytes MAP_LOCKED", size), "EAGAIN")
		return cli.SysHint(fmt.Sprintf("map %d bytes MAP_LOCKED", size), "mmap", unix.EAGAIN,
			"more than RLIMIT_MEMLOCK allows; root (CAP_IPC_LOCK) is exempt, `ulimit -l` shows the limit")
	}
	if err != nil {
		return err
	}
	defer Unmap(m)
	cli.Fact(fmt.Sprintf("map %d bytes MAP_LOCKED", size), "ok")
	sm, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&m[0])))
	if err != nil {
		return err
	}
	cli.Fact("Locked", fmt.Sprintf("%d kB", sm.Locked))
	cli.Fact("Rss", fmt.Sprintf("%d kB", sm.Rss))
	return nil
}
