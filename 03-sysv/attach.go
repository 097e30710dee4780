//go:build linux && (amd64 || arm64)

// The experiments on attaching: attach (shmat, nattch, the /SYSV mapping,
// SHM_RDONLY), persist (the segment outlives its writer) and perm (the mode
// bits at shmat).

package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
	"shmlab/internal/track"
)

type attachOpts struct {
	rdonly, hold bool
	ready, put   string
}

func runAttach(args []string) error {
	fs := cli.NewFlags("attach")
	t := addTarget(fs, false)
	var o attachOpts
	fs.BoolVar(&o.rdonly, "rdonly", false, "SHM_RDONLY")
	fs.BoolVar(&o.hold, "hold", false, "stay attached until SIGINT/SIGTERM")
	fs.StringVar(&o.ready, "ready", "", "write this file once attached")
	fs.StringVar(&o.put, "put", "", "after the hold, write this text at offset 0")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("attach", pos, 0, 0); err != nil {
		return err
	}
	if o.put != "" && o.rdonly {
		return cli.Usagef("attach: -put writes, -rdonly forbids it")
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	return attach(id, o)
}

// contents is the start of a segment up to its first NUL (64 bytes at most).
func contents(m []byte) string {
	b := m[:min(len(m), 64)]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func attach(id int, o attachOpts) error {
	m, err := Attach(id, o.rdonly)
	if err != nil {
		return err
	}
	detached := false
	defer func() {
		if !detached {
			Detach(m)
		}
	}()
	cli.Fact("shmid", id)
	cli.Fact("attached", map[bool]string{false: "read-write", true: "read-only (SHM_RDONLY)"}[o.rdonly])
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	cli.Fact("size", ds.Segsz)
	cli.Fact("nattch", ds.Nattch)
	// The segment is a file of the kernel's internal shm mount, mapped
	// MAP_SHARED: /proc/self/maps names it /SYSV<key> (deleted), and its
	// inode number is the shmid.
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
	if o.rdonly {
		res, err := fault.Run("rdonly-write", strconv.Itoa(id))
		if err != nil {
			return err
		}
		cli.Fact("read through SHM_RDONLY", "ok")
		cli.Fact("write through SHM_RDONLY", res)
	}
	if err := cli.Ready(o.ready); err != nil {
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
	detached = true
	if err := Detach(m); err != nil {
		return err
	}
	cli.Fact("detached", "yes")
	ds, err = Stat(id)
	if err != nil {
		cli.Fact("stat after shmdt", cli.Outcome(err))
		return nil
	}
	cli.Fact("nattch after shmdt", ds.Nattch)
	return nil
}

func tourAttach() error {
	id, err := Get(unix.IPC_PRIVATE, 1, 0o600)
	if err != nil {
		return err
	}
	track.Shm(id, unix.IPC_PRIVATE)
	defer Remove(id)
	cli.Say("shmat with shmaddr NULL: the kernel picks the address. The segment is a file")
	cli.Say("on the kernel's internal shm mount (the notes' 特殊文件系统shm), shown in")
	cli.Say("/proc/self/maps as /SYSV<key> (deleted), its inode the shmid; it is")
	cli.Say("ordinary shmem like tmpfs, not a swap partition, though its pages may be")
	cli.Say("swapped out like any. A 1-byte segment still maps a whole page.")
	cli.Say("With SHM_RDONLY a write raises SIGSEGV (a child process takes it):")
	return attach(id, attachOpts{rdonly: true})
}

func runPersist(args []string) error {
	if err := cli.Want("persist", args, 0, 0); err != nil {
		return err
	}
	return tourPersist()
}

func tourPersist() error {
	id, err := Get(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	track.Shm(id, unix.IPC_PRIVATE)
	defer Remove(id)
	cli.Say("A child process attaches, writes, detaches and exits. The segment has no")
	cli.Say("process attached any more, yet keeps the bytes: it lives in the kernel until")
	cli.Say("IPC_RMID or a reboot (kernel persistence, 随内核持续).")
	res, err := fault.Run("shm-put", strconv.Itoa(id), "left by an exited process")
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("the writer child was killed by %v", res)
	}
	cli.Fact("writer exited", "yes")
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	cli.Fact("nattch", ds.Nattch)
	m, err := Attach(id, true)
	if err != nil {
		return err
	}
	cli.Fact("read by this process", contents(m))
	return Detach(m)
}

func runPerm(args []string) error {
	if err := cli.Want("perm", args, 0, 0); err != nil {
		return err
	}
	return tourPerm()
}

func tourPerm() error {
	id, err := Get(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	track.Shm(id, unix.IPC_PRIVATE)
	defer Remove(id)
	cli.Say("The low 9 bits of shmget's flag are the mode: read and write for owner,")
	cli.Say("group and others, as for a file. shmat checks them: read for SHM_RDONLY,")
	cli.Say("read and write otherwise. Another user (uid 65534 when run as root) tries:")
	for _, mode := range []uint32{0o600, 0o644, 0o666} {
		if err := SetMode(id, mode); err != nil {
			return err
		}
		for _, how := range []string{"ro", "rw"} {
			res, err := fault.RunUnprivileged("try-attach", strconv.Itoa(id), how)
			if err != nil {
				return err
			}
			name := map[string]string{"ro": "SHM_RDONLY", "rw": "read-write"}[how]
			cli.Fact(fmt.Sprintf("mode %04o, %s shmat by another user", mode, name), strings.TrimSpace(res.Output))
		}
	}
	return nil
}
