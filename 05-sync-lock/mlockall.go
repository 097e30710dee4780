//go:build linux && (amd64 || arm64)

// mlockall (notes 001 §1.1.1.5): MCL_CURRENT locks every mapping the process
// has now, not those made after. The notes say MCL_FUTURE locks the current
// mappings and the later ones; on Linux MCL_FUTURE alone locks only the
// later ones. munlockall undoes both.

package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	fault.Register("mlockall-current", probeMlockallCurrent)
}

func mlockallCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 64<<10, 1, maxLock, "bytes of each mapping made before and after mlockall")
	limit := f.Int("limit", -1, -1, 1<<40, "RLIMIT_MEMLOCK: first lower the soft limit to N bytes if it is higher (setrlimit); -1 leaves it")
	return func([]string) error { return mlockall(int(*size), *limit) }
}

func tourMlockall() (err error) {
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
	defer unmapAtEnd(before, &err)
	return mclFuture(before)
}

func mlockall(size int, limit int64) (err error) {
	// Who we are and the limit decide whether MCL_CURRENT can work.
	cli.Fact("uid", os.Geteuid())
	if limit >= 0 {
		if err := lowerLockLimit(uint64(limit)); err != nil {
			return err
		}
	}
	if err := memlockFact(); err != nil {
		return err
	}
	before, err := MapAnon(size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map %d bytes of anonymous memory", size), "mmap", err)
	}
	defer unmapAtEnd(before, &err)
	if err := mclCurrent(before); err != nil {
		return err
	}
	return mclFuture(before)
}

// mclCurrent: mlockall(MCL_CURRENT) locks before, not a mapping made after.
// Without CAP_IPC_LOCK it fails with ENOMEM (a Go program maps far more than
// RLIMIT_MEMLOCK); that is a fact too, and the MCL_FUTURE step goes on.
func mclCurrent(before []byte) (err error) {
	lockErr := LockAll(unix.MCL_CURRENT)
	v, err := outcome(lockErr)
	if err != nil {
		return err
	}
	cli.Fact("mlockall(MCL_CURRENT)", v)
	if lockErr != nil {
		return nil
	}
	after, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return cli.Sys("map after mlockall", "mmap", err)
	}
	defer unmapAtEnd(after, &err)
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
func mclFuture(before []byte) (err error) {
	if err := roomForTheHeap(before); err != nil {
		return err
	}
	if err := LockAll(unix.MCL_FUTURE); err != nil {
		return cli.WithHints(cli.Sys("lock future mappings (MCL_FUTURE)", "mlockall", err), lockHints)
	}
	later, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		UnlockAll()
		return cli.WithHints(cli.Sys("map after mlockall(MCL_FUTURE)", "mmap", err), lockHints)
	}
	defer unmapAtEnd(later, &err)
	sb, errB := statsOf(before)
	sa, errA := statsOf(later)

	// munlockall unlocks it, and a mapping made afterwards is not locked.
	if err := UnlockAll(); err != nil {
		return cli.Sys("unlock all mappings", "munlockall", err)
	}
	if errB != nil || errA != nil {
		return fmt.Errorf("read smaps: %v %v", errB, errA)
	}
	cli.Fact("mlockall(MCL_FUTURE)", "ok")
	cli.Fact("MCL_FUTURE: Locked of a mapping made before", kB(sb.locked))
	cli.Fact("MCL_FUTURE: Locked of a mapping made after", kB(sa.locked))
	cli.Fact("munlockall", "ok")
	if err := lockedFact("after munlockall: Locked of the mapping made after", later); err != nil {
		return err
	}
	next, err := MapAnon(len(before), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map after munlockall", "mmap", err)
	}
	defer unmapAtEnd(next, &err)
	return lockedFact("after munlockall: Locked of a new mapping", next)
}

// roomForTheHeap makes the Go heap big enough, before MCL_FUTURE, for what
// the program allocates while it is on. Without CAP_IPC_LOCK, heap the
// runtime maps then is locked too and must fit in RLIMIT_MEMLOCK (it maps
// 4 MiB at a time), or the program dies for want of memory. Reading smaps
// once and freeing 8 MiB leaves pages that are mapped already.
func roomForTheHeap(b []byte) error {
	if _, err := statsOf(b); err != nil {
		return err
	}
	room := make([]byte, 8<<20)
	runtime.KeepAlive(room)
	runtime.GC()
	return nil
}

// probeMlockallCurrent lowers RLIMIT_MEMLOCK to 8 MiB if it is higher, and
// tries mlockall(MCL_CURRENT). The tour runs it unprivileged, where the
// ENOMEM it expects is its output, not a failure.
func probeMlockallCurrent(args []string) error {
	if err := lowerLockLimit(8 << 20); err != nil {
		return err
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
