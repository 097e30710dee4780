//go:build linux && (amd64 || arm64)

// lockfile: a lock belongs to one process's mapping (notes 001 §1.1.1.5
// point 2). Two processes map the same file and lock it; one unlocks, the
// other's lock stays.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	// The other process of the tour: it maps, locks and unlocks the file.
	fault.Register("lockfile-unlock", func(args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("lockfile-unlock probe: want FILE, got %d arguments", len(args))
		}
		return lockfile(args[0], true, false, "", nil)
	})
}

func lockfileCmd(f *cli.Flags) cli.Action {
	unlock := f.Bool("unlock", "munlock: unlock the mapping again after mlock")
	hold := f.Hold("the locked mapping")
	ready := f.Ready("the mapping is locked")
	f.Args(1, 1) // FILE
	return func(args []string) error {
		return lockfile(args[0], *unlock, *hold, *ready, nil)
	}
}

func tourLockfile() error {
	cli.Say("Each process maps the file into its own address space, so a lock is a property")
	cli.Say("of one process's mapping (notes point 2). This process locks a file's pages;")
	cli.Say("another process maps the same file, locks and unlocks it; our lock stays.")
	path, done, err := tempFile("", initialContent)
	if err != nil {
		return err
	}
	defer done()
	return lockfile(path, false, false, "", func() error {
		cli.Say("-- the other process:")
		res, err := fault.Run("lockfile-unlock", path)
		if err != nil {
			return err
		}
		fmt.Fprint(cli.Stdout, res.Output)
		cli.Say("-- this process again:")
		return nil
	})
}

// lockfile maps path shared and read-only, locks it and shows VmLck. With
// unlock it unlocks again. With hold it waits for SIGINT (another process
// does its part meanwhile); meanwhile, if set, runs in this process instead.
// Then it shows VmLck again.
func lockfile(path string, unlock, hold bool, ready string, meanwhile func() error) (err error) {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	m, err := MapFile(path, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)
	// The mapping holds the file: no descriptor is left open on it.
	if err := descriptorsFact(path); err != nil {
		return err
	}
	if err := lockShow(m, unlock); err != nil {
		return err
	}

	// Tell a waiting scenario, then let the other process act.
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if !hold && meanwhile == nil {
		return nil
	}
	if hold {
		cli.Hold()
	}
	if meanwhile != nil {
		if err := meanwhile(); err != nil {
			return err
		}
	}

	// Our lock, after the other process unlocked its own.
	if err := vmLckFact("VmLck after the other process unlocked"); err != nil {
		return err
	}
	return lockedFact("Locked after the other process unlocked", m)
}

// lockShow locks m and shows the counters; with unlock it unlocks m again.
func lockShow(m []byte, unlock bool) error {
	if err := Lock(m); err != nil {
		return cli.WithHints(cli.Sys("lock the mapping", "mlock", err), lockHints)
	}
	cli.Fact("mlock", "ok")
	if err := vmLckFact("VmLck after mlock"); err != nil {
		return err
	}
	// Locked is proportional, like Pss: a page two processes map counts
	// half in each.
	if err := lockedFact("Locked after mlock", m); err != nil {
		return err
	}
	if !unlock {
		return nil
	}
	if err := Unlock(m); err != nil {
		return cli.Sys("unlock the mapping", "munlock", err)
	}
	cli.Fact("munlock", "ok")
	return vmLckFact("VmLck after munlock")
}
