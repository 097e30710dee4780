//go:build linux && (amd64 || arm64)

// rm: shmctl(IPC_RMID) (notes 001 §1.1.2.5). With nothing attached the
// segment is freed at once. Otherwise the kernel marks it dest and sets its
// key to IPC_PRIVATE, so no shmget finds it; the attached processes keep
// using it, and the memory goes with the last shmdt.

package main

import (
	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func rmCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	return func([]string) error {
		id, err := open(k)
		if err != nil {
			return err
		}
		return rm(id)
	}
}

// rm removes a segment and shows what is left of it.
func rm(id int) error {
	// Before: its key and how many are attached. IPC_STAT needs read
	// permission, IPC_RMID ownership: an owner whose own mode bits shut it
	// out (0000) may still remove, so a failed stat does not stop here.
	key := unix.IPC_PRIVATE
	cli.Fact("shmid", id)
	if ds, err := Stat(id); err != nil {
		cli.Fact("stat before IPC_RMID", cli.Outcome(err))
	} else {
		key = int(ds.Perm.Key)
		cli.Fact("key", cli.HexKey(key))
		cli.Fact("nattch", ds.Nattch)
	}

	// IPC_RMID.
	if err := Remove(id); err != nil {
		return idErr("remove", id, "shmctl IPC_RMID", err)
	}
	cli.Fact("removed", "yes")

	// After: gone (EINVAL), or still attached somewhere and nameless.
	after, err := Stat(id)
	cli.Fact("stat by shmid after IPC_RMID", cli.Outcome(err))
	if err == nil {
		cli.Fact("key after IPC_RMID", cli.HexKey(int(after.Perm.Key)))
		cli.Fact("dest", cli.YesNo(after.Perm.Mode&shmDest != 0))
		cli.Fact("nattch after IPC_RMID", after.Nattch)
	}
	// Either way the old key finds nothing.
	if key != unix.IPC_PRIVATE {
		_, err = Get(key, 0, 0)
		cli.Fact("shmget by the old key", cli.Outcome(err))
	}
	return nil
}

func tourRm() error {
	// A segment with a key, attached by this process.
	key, done, err := tourKey('r')
	if err != nil {
		return err
	}
	defer done()
	id, remove, err := ownSegment(key, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		return err
	}
	defer remove()
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	copy(m, "still here")

	// IPC_RMID while attached: the memory stays, usable.
	cli.Say("IPC_RMID while attached: the segment is marked dest, its key set to 0 (no")
	cli.Say("shmget finds it), and its memory kept:")
	if err := rm(id); err != nil {
		Detach(m)
		return err
	}
	cli.Fact("read after IPC_RMID", string(m[:10]))
	copy(m, "written")
	cli.Fact("write after IPC_RMID", "ok")

	// The last shmdt frees it.
	cli.Say("The last shmdt frees it; the id is then invalid:")
	if err := Detach(m); err != nil {
		return idErr("detach from", id, "shmdt", err)
	}
	_, err = Stat(id)
	cli.Fact("stat by shmid after the last shmdt", cli.Outcome(err))
	return tourNewID(id)
}

// tourNewID shows that a new segment never gets the id of a removed one.
func tourNewID(old int) error {
	cli.Say("A new segment gets a new id (UNP2 §3.6: a sequence number grows):")
	id, remove, err := ownSegment(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	defer remove()
	cli.Fact("new shmid differs from the old", cli.YesNo(id != old))
	return nil
}
