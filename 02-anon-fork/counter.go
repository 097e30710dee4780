//go:build linux && (amd64 || arm64)

// The counter experiment: several forked children add 1 to one counter in
// a shared anonymous page. Shared memory synchronises nothing (需要同步机制,
// notes 001 §1.1): plain increments can lose updates, and in lockstep
// (-lockstep) they lose all but one per round, every time; locked ones lose
// none.

package main

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// The counter page: the counter itself at 0, the byte each child reads the
// start gate into, and the lockstep area (rawLockstep): the number of
// children in step, then the steps taken.
const (
	offCountGate = 64
	offLockstep  = 128
)

// maxLockstep bounds procs × iters with -lockstep (about a minute here).
const maxLockstep = 2_000_000

func counterCmd(f *cli.Flags) cli.Action {
	procs := f.Int("procs", 4, 1, 64, "how many children to fork")
	iters := f.Int("iters", 100000, 1, 10_000_000, "how many times each child adds 1")
	atomic := f.Bool("atomic", "add with one locked read-modify-write (LOCK XADD on amd64, LDAXR/STLXR on arm64)")
	lockstep := f.Bool("lockstep", "force the interleaving: each child loads, then waits until every child has loaded (a futex barrier) before it stores")
	return func(args []string) error {
		// In lockstep every round waits for every child: bound the rounds.
		if *lockstep && *procs**iters > maxLockstep {
			return cli.Usagef("counter -lockstep: procs*iters = %d: at most %d (each round waits for every child)", *procs**iters, maxLockstep)
		}
		return counter(int(*procs), int(*iters), *atomic, *lockstep)
	}
}

func tourCounter() error {
	cli.Say("Four forked children each add 1 to one counter in a shared anonymous page,")
	cli.Say("1000 times, first with a plain increment: three steps, load, add, store.")
	cli.Say("Shared memory itself synchronises nothing (需要同步机制, notes 001 §1.1). Left")
	cli.Say("to run free, the children may or may not overlap, so how many updates are")
	cli.Say("lost depends on timing; here they run in lockstep: each loads, waits until")
	cli.Say("every child has loaded, then stores. Every round, all four store the same value.")
	if err := counter(4, 1000, false, true); err != nil {
		return err
	}
	cli.Say("The same, in the same lockstep, with a locked read-modify-write (LOCK XADD on")
	cli.Say("amd64): the load and the store are one instruction, and nothing comes between.")
	return counter(4, 1000, true, true)
}

func counter(procs, iters int, atomic, lockstep bool) error {
	total, steps, err := countOnce(procs, iters, atomic, lockstep)
	if err != nil {
		return err
	}
	expected := uint64(procs) * uint64(iters)
	cli.Fact("procs", procs)
	cli.Fact("iters", iters)
	cli.Fact("atomic", cli.YesNo(atomic))
	cli.Fact("lockstep", cli.YesNo(lockstep))
	cli.Fact("total", total)
	cli.Fact("expected", expected)
	cli.Fact("lost updates", int64(expected-total))
	if lockstep {
		// How far the children went in step, counted by rawLockstep.
		cli.Fact("rounds in step", steps/uint64(procs))
	}
	if !atomic && !lockstep {
		cli.Say("(A lost update: two children load the same value and both store value+1.")
		cli.Say("How many happen depends on timing; -lockstep forces them, -atomic makes each")
		cli.Say("increment one locked instruction, and none is lost.)")
	}
	return nil
}

// countOnce forks procs children that each add 1 to a shared counter iters
// times, in lockstep if asked, waits for them all, and returns the total and
// the steps the children took in lockstep.
func countOnce(procs, iters int, atomic, lockstep bool) (total, steps uint64, err error) {
	// The counter: the first 8 bytes of a shared anonymous page.
	page, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		return 0, 0, cli.Sys("map the counter page", "mmap", err)
	}
	defer Unmap(page)

	// The start gate: every child waits until it reads end-of-file.
	var gate [2]int
	if err := unix.Pipe2(gate[:], unix.O_CLOEXEC); err != nil {
		return 0, 0, cli.Sys("make the start gate", "pipe2", err)
	}
	defer unix.Close(gate[0])
	var pids []int
	var ferr error
	for i := 0; i < procs && ferr == nil; i++ {
		pid, err := ForkCount(page, iters, atomic, gate[0], gate[1])
		if err != nil {
			ferr = cli.Sys("fork a counting child", "clone", err)
			continue
		}
		pids = append(pids, pid)
	}
	// Arm the lockstep for the children there are (the children read it
	// once the gate opens), then open the gate: every child sees
	// end-of-file and starts counting. If a fork failed, the children
	// already forked count and exit all the same.
	word := (*[2]uint64)(unsafe.Pointer(&page[offLockstep]))
	if lockstep {
		word[0] = uint64(len(pids))
	}
	unix.Close(gate[1])
	err = reapAll(pids)
	if ferr != nil {
		return 0, 0, ferr
	}
	if err != nil {
		return 0, 0, err
	}
	return *(*uint64)(unsafe.Pointer(&page[0])), word[1], nil
}

// reapAll waits for every child and reports those that ended badly.
func reapAll(pids []int) error {
	var bad []string
	for _, pid := range pids {
		ws, err := WaitChild(pid)
		if err != nil {
			bad = append(bad, cli.Sys(fmt.Sprintf("wait for child %d", pid), "wait4", err).Error())
		} else if !ws.Exited() || ws.ExitStatus() != 0 {
			bad = append(bad, describeStatus(ws))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("counter: children ended badly: %s", strings.Join(bad, ", "))
	}
	return nil
}
