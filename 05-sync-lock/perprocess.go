//go:build linux && (amd64 || arm64)

// The lockfile experiment: a lock belongs to one process's mapping (notes
// 001 §1.1.1.5 point 2). Two processes map the same file; one unlocks, the
// other's lock stays.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func runLockfile(args []string) error {
	fs := cli.NewFlags("lockfile")
	unlock := fs.Bool("unlock", false, "munlock after mlock")
	hold := fs.Bool("hold", false, "keep the locked mapping until SIGINT/SIGTERM")
	ready := fs.String("ready", "", "write this file once the mapping is locked")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("lockfile", pos, 1, 1); err != nil {
		return err
	}
	return lockfile(pos[0], *unlock, *hold, *ready, nil)
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
func lockfile(path string, unlock, hold bool, ready string, meanwhile func() error) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	m, err := MapFile(path, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	if err := Lock(m); err != nil {
		return err
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
	if unlock {
		if err := Unlock(m); err != nil {
			return err
		}
		cli.Fact("munlock", "ok")
		if err := vmLckFact("VmLck after munlock"); err != nil {
			return err
		}
	}
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
	if err := vmLckFact("VmLck after the other process unlocked"); err != nil {
		return err
	}
	return lockedFact("Locked after the other process unlocked", m)
}
