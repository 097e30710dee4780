//go:build linux && (amd64 || arm64)

// attach: shmat (notes 001 §1.1.2.3). Each attach counts in nattch; the
// segment shows in /proc/self/maps as the file /SYSV<key> (deleted) of the
// kernel's shm mount; SHM_RDONLY maps it read-only, and a store through it
// is SIGSEGV. With -hold it stays attached for other processes to see.

package main

import (
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func init() { fault.Register("rdonly-write", probeRdonlyWrite) }

type attachOpts struct {
	rdonly, hold bool
	ready, put   string
}

func attachCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	rdonly := f.Bool("rdonly", "SHM_RDONLY: attach read-only; a store is SIGSEGV")
	hold := f.Hold("the segment attached")
	ready := f.Ready("attached")
	put := f.String("put", "TEXT", "", "after the hold, write TEXT and a NUL at offset 0")
	return func([]string) error {
		o := attachOpts{rdonly: *rdonly, hold: *hold, ready: *ready, put: *put}
		if o.put != "" && o.rdonly {
			return cli.Usagef("attach: -put writes, -rdonly forbids it")
		}
		id, err := open(k)
		if err != nil {
			return err
		}
		return attach(id, o)
	}
}

func tourAttach() error {
	id, remove, err := ownSegment(unix.IPC_PRIVATE, 1, 0o600)
	if err != nil {
		return err
	}
	defer remove()
	cli.Say("shmat(id, NULL): the kernel picks the address. The segment is a file of the")
	cli.Say("kernel's internal shm mount (特殊文件系统shm), /SYSV<key> (deleted) in")
	cli.Say("/proc/self/maps, inode = shmid; that mount is a tmpfs (a memfd's), not swap.")
	cli.Say("A 1-byte segment maps a page; with SHM_RDONLY a write is SIGSEGV (in a child):")
	return attach(id, attachOpts{rdonly: true})
}

func attach(id int, o attachOpts) error {
	// shmat: the kernel picks the address; nattch goes up by one.
	m, err := Attach(id, o.rdonly)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	cli.Fact("shmid", id)
	cli.Fact("attached", map[bool]string{false: "read-write", true: "read-only (SHM_RDONLY)"}[o.rdonly])
	if err := showAttached(id, m); err != nil {
		Detach(m)
		return err
	}
	// -put must fit, with its NUL, in the segment's own size.
	if o.put != "" && len(o.put)+1 > len(m) {
		Detach(m)
		return fmt.Errorf("attach shmid %d: -put of %d bytes and a NUL does not fit: the segment has %d", id, len(o.put), len(m))
	}

	// Through SHM_RDONLY, a read works and a write faults (in a child).
	if o.rdonly {
		res, err := fault.Run("rdonly-write", strconv.Itoa(id))
		if err != nil {
			Detach(m)
			return err
		}
		cli.Fact("read through SHM_RDONLY", "ok")
		cli.Fact("write through SHM_RDONLY", res)
	}

	// Stay attached while other processes look, if asked.
	if err := cli.Ready(o.ready); err != nil {
		Detach(m)
		return err
	}
	if o.hold {
		cli.Hold()
		// What another process did meanwhile is visible here.
		cli.Fact("content", contents(m))
		if o.put != "" {
			copy(m, o.put+"\x00")
			cli.Fact("wrote after the hold", contents(m))
		}
	}
	return detach(id, m)
}

// showAttached prints nattch and the line of /proc/self/maps for m: the
// segment is a file of the kernel's internal shm mount, mapped MAP_SHARED,
// named /SYSV<key> (deleted), whose inode number is the shmid.
func showAttached(id int, m []byte) error {
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("size", ds.Segsz)
	cli.Fact("nattch", ds.Nattch)
	ms, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	mp, ok := procfs.Find(ms, uintptr(unsafe.Pointer(unsafe.SliceData(m))))
	if !ok {
		return fmt.Errorf("attach shmid %d: the segment is not in /proc/self/maps", id)
	}
	cli.Fact("maps", mp.Path)
	cli.Fact("maps perms", mp.Perms)
	cli.Fact("maps inode is the shmid", cli.YesNo(mp.Inode == uint64(id)))
	cli.Fact("mapped", fmt.Sprintf("%d bytes", mp.Size()))
	fs, err := mappingFS(mp.Start)
	if err != nil {
		return err
	}
	cli.Fact("filesystem", fs)
	return nil
}

// detach is shmdt, and what is left: nattch one less, or, if IPC_RMID came
// meanwhile and this was the last attach, no segment at all.
func detach(id int, m []byte) error {
	if err := Detach(m); err != nil {
		return idErr("detach from", id, "shmdt", err)
	}
	cli.Fact("detached", "yes")
	ds, err := Stat(id)
	if err != nil {
		cli.Fact("stat after shmdt", cli.Outcome(err))
		return nil
	}
	cli.Fact("nattch after shmdt", ds.Nattch)
	return nil
}

// probeRdonlyWrite runs in the child: attach shmid args[0] with SHM_RDONLY,
// read (fine), then write: SIGSEGV.
func probeRdonlyWrite(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("rdonly-write: want SHMID, got %d arguments", len(args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil || id < 0 {
		return fmt.Errorf("rdonly-write: bad SHMID %q", args[0])
	}
	m, err := Attach(id, true)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	fault.Read(m, 0)
	fault.Write(m, 0, 'X')
	return nil
}
