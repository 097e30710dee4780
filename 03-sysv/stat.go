//go:build linux && (amd64 || arm64)

// stat: shmctl(IPC_STAT) copies out the kernel's shmid_ds of a segment
// (notes 001 §1.1.2.5): ipc_perm (key, owner, creator, mode), the size, the
// pids of the creator and of the last shmat/shmdt, nattch and three times.

package main

import (
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func statCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	return func([]string) error {
		id, err := open(k)
		if err != nil {
			return err
		}
		return showStat(id)
	}
}

// showStat prints the shmid_ds of a segment, one fact per field.
func showStat(id int) error {
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("key", cli.HexKey(int(ds.Perm.Key)))
	cli.Fact("shmid", id)
	cli.Fact("size", ds.Segsz)
	// The mode, the kernel's own flags above its 9 permission bits, the
	// owner (IPC_SET may change it) and the creator (fixed).
	showOwner(ds)
	// Who made it, who attached or detached last, how many are attached.
	cli.Fact("cpid", ds.Cpid)
	cli.Fact("lpid", ds.Lpid)
	cli.Fact("nattch", ds.Nattch)
	cli.Fact("atime", stamp(ds.Atime))
	cli.Fact("dtime", stamp(ds.Dtime))
	cli.Fact("ctime", stamp(ds.Ctime))
	return nil
}

// stamp prints a shmid_ds time: 0 is never.
func stamp(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

func tourStat() error {
	id, remove, err := ownSegment(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	defer remove()
	cli.Say("IPC_STAT copies out the shmid_ds of a new segment, never attached:")
	if err := showStat(id); err != nil {
		return err
	}
	cli.Say("IPC_SET writes owner and mode from a buffer; to change the mode alone, pass")
	cli.Say("back the owner IPC_STAT gave:")
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	if err := Set(id, ds.Perm.Uid, ds.Perm.Gid, 0o640); err != nil {
		return idErr("set the mode of", id, "shmctl IPC_SET", err)
	}
	if ds, err = Stat(id); err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("mode after IPC_SET", modeOf(ds))
	cli.Fact("owner kept", cli.YesNo(ds.Perm.Uid == ds.Perm.Cuid))
	return nil
}
