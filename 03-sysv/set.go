//go:build linux && (amd64 || arm64)

// set: shmctl(IPC_SET) changes the 9 mode bits of a segment (notes 001
// §1.1.2.5). Only the owner, the creator or root may (EPERM otherwise),
// whatever the mode says.

package main

import "shmlab/internal/cli"

func setCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	// A string, not f.Mode: the mode has no default here, it must be given.
	mode := f.String("mode", "MODE", "", "the new permission bits, octal: 0640")
	return func([]string) error {
		if *mode == "" {
			return cli.Usagef("set: -mode is required")
		}
		m, err := cli.ParseMode(*mode)
		if err != nil {
			return err
		}
		id, err := open(k)
		if err != nil {
			return err
		}
		return set(id, m)
	}
}

// set changes the mode of segment id and prints the mode the kernel keeps.
func set(id int, mode uint32) error {
	if err := SetMode(id, mode); err != nil {
		return idErr("set the mode of", id, "shmctl IPC_SET", err)
	}
	// Read it back. IPC_STAT needs read permission, and the owner's bits
	// bind the owner: after 0000 it can no longer read what it set.
	cli.Fact("shmid", id)
	ds, err := Stat(id)
	if err != nil {
		cli.Fact("stat after IPC_SET", cli.Outcome(err))
		return nil
	}
	cli.Fact("mode", modeOf(ds))
	return nil
}
