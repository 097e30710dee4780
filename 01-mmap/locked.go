//go:build linux && (amd64 || arm64)

// locked: MAP_LOCKED faults the pages in and locks them, as mlock after mmap
// would (notes 001 §1.1.1.1 MAP_LOCKED), within RLIMIT_MEMLOCK; root
// (CAP_IPC_LOCK) has no such limit. The mlock family itself is chapter 05.

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

func init() {
	fault.Register("locked-over-limit", probeLockedOverLimit)
}

func lockedCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 64<<10, 1, 1<<30, "MAP_LOCKED: bytes to map and lock")
	limit := f.Int("limit", -1, -1, 1<<40, "RLIMIT_MEMLOCK: first set the soft limit to N bytes (setrlimit; above the hard limit, that too, which takes CAP_SYS_RESOURCE); -1 leaves it as it is")
	return func([]string) error { return locked(int(*size), *limit) }
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

func locked(size int, limit int64) (err error) {
	// Who we are decides whether the limit applies.
	cli.Fact("uid", os.Geteuid())
	if err := showMemlock(limit); err != nil {
		return err
	}

	// Map with MAP_LOCKED: over the limit, mmap fails with EAGAIN.
	what := fmt.Sprintf("map %d bytes MAP_LOCKED", size)
	m, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_LOCKED)
	cli.Fact(what, cli.Outcome(err))
	if err != nil {
		return cli.WithHints(cli.Sys(what, "mmap", err), map[unix.Errno]string{
			unix.EAGAIN: "more than RLIMIT_MEMLOCK allows; root (CAP_IPC_LOCK) is exempt, `ulimit -l` shows the limit",
			unix.EPERM:  "RLIMIT_MEMLOCK is 0: without CAP_IPC_LOCK a process may lock nothing at all",
		})
	}
	defer unmapAtEnd(m, &err)

	// Every page is resident and locked already, before any access.
	sm, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&m[0])))
	if err != nil {
		return err
	}
	cli.Fact("Locked", fmt.Sprintf("%d kB", sm.Locked))
	cli.Fact("Rss", fmt.Sprintf("%d kB", sm.Rss))
	return nil
}

// showMemlock lowers RLIMIT_MEMLOCK to limit bytes first if limit >= 0, and
// prints it.
func showMemlock(limit int64) error {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return cli.Sys("read RLIMIT_MEMLOCK", "getrlimit", err)
	}
	if limit >= 0 {
		hard := rl.Max
		rl.Cur = uint64(limit)
		rl.Max = max(rl.Max, rl.Cur)
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
			return cli.WithHints(cli.Sys(fmt.Sprintf("set RLIMIT_MEMLOCK to %d", limit), "setrlimit", err), map[unix.Errno]string{
				unix.EPERM: fmt.Sprintf("above the hard limit (%d bytes; `ulimit -Hl` in KiB), which only a process with CAP_SYS_RESOURCE may raise", hard),
			})
		}
		// Print what the kernel holds now, not what was asked for.
		if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
			return cli.Sys("read RLIMIT_MEMLOCK", "getrlimit", err)
		}
	}
	if rl.Cur == unix.RLIM_INFINITY {
		cli.Fact("RLIMIT_MEMLOCK", "unlimited")
	} else {
		cli.Fact("RLIMIT_MEMLOCK", fmt.Sprintf("%d bytes", rl.Cur))
	}
	return nil
}

// probeLockedOverLimit lowers RLIMIT_MEMLOCK to 64 KiB and maps 1 MiB
// MAP_LOCKED. The tour runs it unprivileged; the EAGAIN it expects is its
// output, not a failure.
func probeLockedOverLimit(args []string) error {
	err := locked(1<<20, 64<<10)
	if errors.Is(err, unix.EAGAIN) {
		fmt.Fprintf(os.Stdout, "error: %v\n", err)
		return nil
	}
	return err
}
