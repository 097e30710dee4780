//go:build linux && (amd64 || arm64)

// persist: kernel persistence (随内核持续, UNP2 1.3). A child process
// attaches, writes, detaches and exits; the bytes stay in the segment with
// no process attached, until IPC_RMID or a reboot.

package main

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/track"
)

func init() { fault.Register("shm-put", probePut) }

func persistCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return persist() }
}

func tourPersist() error {
	cli.Say("A child process attaches, writes, detaches and exits. The segment has no")
	cli.Say("process attached any more, yet keeps the bytes: it lives in the kernel until")
	cli.Say("IPC_RMID or a reboot (kernel persistence, 随内核持续).")
	return persist()
}

func persist() error {
	// A new segment, removed when done.
	id, err := Get(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return getErr(err, unix.IPC_PRIVATE, 0)
	}
	track.Shm(id, unix.IPC_PRIVATE)
	defer Remove(id)

	// Another process writes and exits (probePut).
	res, err := fault.Run("shm-put", strconv.Itoa(id), "left by an exited process")
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("the writer child was killed by %v", res)
	}
	cli.Fact("writer exited", "yes")

	// Nobody is attached now...
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("nattch", ds.Nattch)

	// ...and the bytes are still there.
	m, err := Attach(id, true)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	cli.Fact("read by this process", contents(m))
	return idErr("detach from", id, "shmdt", Detach(m))
}

// probePut runs in the child: attach shmid args[0] read-write, write args[1]
// and a NUL at offset 0, detach, exit.
func probePut(args []string) error {
	id, err := strconv.Atoi(args[0])
	if err != nil {
		return err
	}
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	copy(m, args[1]+"\x00")
	return idErr("detach from", id, "shmdt", Detach(m))
}
