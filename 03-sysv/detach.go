//go:build linux && (amd64 || arm64)

// detach: shmdt (notes 001 §1.1.2.4) and what else ends an attach. shmdt
// unmaps the segment; a second shmdt of the same address is EINVAL, and an
// access after it is SIGSEGV (in a child). A forked child inherits the
// attach (nattch counts it), and its exec or exit detaches it (man shmat(2)).

package main

import (
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() { fault.Register("detached-read", probeDetachedRead) }

func detachCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return detachSteps() }
}

func tourDetach() error {
	cli.Say("A forked child counts in nattch until its exit or exec; shmdt returns -1")
	cli.Say("(EINVAL) when repeated, and leaves the address unmapped (SIGSEGV):")
	return detachSteps()
}

func detachSteps() error {
	// A segment of our own, attached once.
	id, remove, err := ownSegment(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	defer remove()
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	if err := showNattch(id, "nattch after shmat"); err != nil {
		Detach(m)
		return err
	}

	// A forked child shares it; its exit, then another's exec, drop it.
	for _, how := range []byte{'x', 'e'} {
		if err := forkDetaches(id, how); err != nil {
			Detach(m)
			return err
		}
	}

	// shmdt, then shmdt again: EINVAL.
	if err := Detach(m); err != nil {
		return idErr("detach from", id, "shmdt", err)
	}
	if err := showNattch(id, "nattch after shmdt"); err != nil {
		return err
	}
	cli.Fact("second shmdt of the same address", cli.Outcome(Detach(m)))

	// An access after shmdt, in a child: the address is not mapped.
	res, err := fault.Run("detached-read", strconv.Itoa(id))
	if err != nil {
		return err
	}
	cli.Fact("read after shmdt", res)
	return nil
}

// forkDetaches forks a child that holds the attach, shows nattch, then
// makes the child exit ('x') or exec ('e') and shows nattch again.
func forkDetaches(id int, how byte) error {
	child, err := forkWaiting()
	if err != nil {
		return cli.SysHint("fork a child that shares the attach", "clone", err, "too many processes for this user? (ulimit -u)")
	}
	defer child.end()
	if err := showNattch(id, "nattch after fork"); err != nil {
		return err
	}
	if _, err := child.ctl.Write([]byte{how}); err != nil {
		return fmt.Errorf("tell the forked child: %w", err)
	}
	if how == 'x' {
		child.wait()
		return showNattch(id, "nattch after the child's exit")
	}
	// EOF on this pipe: the child's exec closed its copy of the write end.
	child.execd.Read(make([]byte, 1))
	if err := waitNattch(id, 1); err != nil {
		return err
	}
	if err := showNattch(id, "nattch after the child's exec"); err != nil {
		return err
	}
	cli.Fact("the exec'd child still runs", cli.YesNo(child.running()))
	return nil
}

// showNattch prints nattch of segment id as the fact name.
func showNattch(id int, name string) error {
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact(name, ds.Nattch)
	return nil
}

// waitNattch waits, at most two seconds, for nattch to reach n: the old
// address space of an exec is released just before its close-on-exec
// descriptors are closed, but another reader of it (ps reading
// /proc/PID/cmdline) may hold it a moment longer.
func waitNattch(id int, n uint64) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		ds, err := Stat(id)
		if err != nil {
			return idErr("stat", id, "shmctl IPC_STAT", err)
		}
		if ds.Nattch == n || time.Now().After(deadline) {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
}

// probeDetachedRead runs in the child, with args SHMID: attach, detach,
// then read the first byte at the old address: SIGSEGV.
func probeDetachedRead(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("detached-read: want SHMID, got %d arguments", len(args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil || id < 0 {
		return fmt.Errorf("detached-read: bad SHMID %q", args[0])
	}
	m, err := Attach(id, true)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	if err := Detach(m); err != nil {
		return idErr("detach from", id, "shmdt", err)
	}
	fault.Read(m, 0)
	return nil
}
