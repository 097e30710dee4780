//go:build linux && (amd64 || arm64)

// mlockall (notes 001 §1.1.1.5): MCL_CURRENT locks every mapping the process
// has now, not those made after. The notes say MCL_FUTURE locks the current
// mappings and the later ones; on Linux MCL_FUTURE alone locks only the
// later ones. munlockall undoes both.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	fault.Register("mlockall-current", probeMlockallCurrent)
}

func mlockallCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 64<<10, 1, maxLock, "bytes of each mapping made before and after mlockall")
	return func([]string) error { return mlockall(int(*size)) }
}

func tourMlockall() error {
	cli.Say("mlockall locks the whole address space. MCL_CURRENT locks what is mapped now,")
	cli.Say("and a mapping made afterwards is not locked. The notes say MCL_FUTURE locks the")
	cli.Say("current mappings and the later ones; on Linux MCL_FUTURE alone locks only the")
	cli.Say("mappings made after the call. munlockall undoes both.")
	cli.Say("MCL_CURRENT must lock all that this process maps, and a Go program maps hundreds")
	cli.Say("of MB: more than RLIMIT_MEMLOCK lets an unprivileged process lock. As one, with")
	cli.Say("RLIMIT_MEMLOCK at 8 MiB or less:")
	res, err := fault.RunUnprivileged("mlockall-current")
	if err != nil {
		return err
	}
	fmt.Fprint(cli.Stdout, res.Output)
	cli.Say("Root has CAP_IPC_LOCK: `synclock mlockall` as root shows MCL_CURRENT lock a")
	cli.Say("mapping made before the call and not one made after. MCL_FUTURE alone, here:")
	before, err := MapAnon(64<<10, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 65536 bytes of anonymous memory", "mmap", err)
	}
	defer Unmap(before)
	return mclFuture(before)
}

func mlockall(size int) error {
	before, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map %d bytes of anonymous memory", size), "mmap", err)
	}
	defer Unmap(before)
	if err := mclCurrent(before); err != nil {
		return err
	}
	return mclFuture(before)
}

// mclCurrent: mlockall(MCL_CURRENT) locks before, not a mapping made after.
func mclCurrent(before []byte) error {
	if err := LockAll(unix.MCL_CURRENT); err != nil {
		return cli.WithHints(cli.Sys("lock all mappings (MCL_CURRENT)", "mlockall", err), map[unix.Errno]string{
			unix.ENOMEM: "this process maps more than RLIMIT_MEMLOCK allows (a Go program maps hundreds of MB); run as root, or raise `ulimit -l`",
		})
	}
	cli.Fact("mlockall(MCL_CURRENT)", "ok")
	after, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return cli.Sys("map after mlockall", "mmap", err)
	}
	defer Unmap(after)
	errB := lockedFact("MCL_CURRENT: Locked of a mapping made before", before)
	errA := lockedFact("MCL_CURRENT: Locked of a mapping made after", after)

	// munlockall undoes it.
	if err := UnlockAll(); err != nil {
		return cli.Sys("unlock all mappings", "munlockall", err)
	}
	if errB != nil || errA != nil {
		return fmt.Errorf("read smaps: %v %v", errB, errA)
	}
	cli.Fact("munlockall", "ok")
	return lockedFact("after munlockall: Locked of the mapping made before", before)
}

// mclFuture: mlockall(MCL_FUTURE) alone leaves before unlocked and locks a
// mapping made after. Every mapping made while it is on is locked, the Go
// runtime's own too, so it is on only for a moment.
func mclFuture(before []byte) error {
	if err := LockAll(unix.MCL_FUTURE); err != nil {
		return cli.WithHints(cli.Sys("lock future mappings (MCL_FUTURE)", "mlockall", err), lockHints)
	}
	cli.Fact("mlockall(MCL_FUTURE)", "ok")
	later, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return cli.WithHints(cli.Sys("map after mlockall(MCL_FUTURE)", "mmap", err), lockHints)
	}
	defer Unmap(later)
	errB := lockedFact("MCL_FUTURE: Locked of a mapping made before", before)
	errA := lockedFact("MCL_FUTURE: Locked of a mapping made after", later)

	// munlockall unlocks it, and a mapping made afterwards is not locked.
	if err := UnlockAll(); err != nil {
		return cli.Sys("unlock all mappings", "munlockall", err)
	}
	if errB != nil || errA != nil {
		return fmt.Errorf("read smaps: %v %v", errB, errA)
	}
	cli.Fact("munlockall", "ok")
	if err := lockedFact("after munlockall: Locked of the mapping made after", later); err != nil {
		return err
	}
	next, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map after munlockall", "mmap", err)
	}
	defer Unmap(next)
	return lockedFact("after munlockall: Locked of a new mapping", next)
}

// probeMlockallCurrent lowers RLIMIT_MEMLOCK to 8 MiB if it is higher, and
// tries mlockall(MCL_CURRENT). The tour runs it unprivileged, where the
// ENOMEM it expects is its output, not a failure.
func probeMlockallCurrent(args []string) error {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return cli.Sys("read RLIMIT_MEMLOCK", "getrlimit", err)
	}
	if err := SetLockLimit(min(rl.Cur, 8<<20)); err != nil {
		return cli.Sys("lower RLIMIT_MEMLOCK to 8 MiB", "setrlimit", err)
	}
	err := LockAll(unix.MCL_CURRENT)
	v, oerr := outcome(err)
	if oerr != nil {
		return oerr
	}
	cli.Fact("mlockall(MCL_CURRENT)", v)
	if err == nil {
		return cli.Sys("unlock all mappings", "munlockall", UnlockAll())
	}
	return nil
}
