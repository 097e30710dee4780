//go:build linux && (amd64 || arm64)

// persist: kernel persistence (随内核持续, UNP2 1.3). A child process
// attaches, writes, detaches and exits; the bytes stay in the segment with
// no process attached, until IPC_RMID, the end of its IPC namespace, or a
// reboot (and, with kernel.shm_rmid_forced set, its creator's exit: see ns).

package main

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() { fault.Register("shm-put", probePut) }

func persistCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return persist() }
}

func tourPersist() error {
	cli.Say("A child attaches, writes, detaches and exits; with nothing attached the")
	cli.Say("segment keeps the bytes: kernel persistence (随内核持续).")
	return persist()
}

func persist() error {
	// A new segment, removed when done.
	id, remove, err := ownSegment(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	defer remove()

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
	if len(args) != 2 {
		return fmt.Errorf("shm-put: want SHMID TEXT, got %d arguments", len(args))
	}
	id, err := strconv.Atoi(args[0])
	if err != nil || id < 0 {
		return fmt.Errorf("shm-put: bad SHMID %q", args[0])
	}
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	copy(m, args[1]+"\x00")
	return idErr("detach from", id, "shmdt", Detach(m))
}
