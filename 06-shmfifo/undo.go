//go:build linux && (amd64 || arm64)

// `shmfifo undo`: why only the FIFO's mutex has SEM_UNDO (course ep. 30).
// The kernel keeps, per process and semaphore, the sum of the process's
// SEM_UNDO operations (semadj) and fails semop with ERANGE when it would
// leave -32768..32767.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func undoCmd(f *cli.Flags) cli.Action {
	iters := f.Int("iters", 40000, 1, 1<<24, "P/V pairs to try, each way")
	ready := f.Ready("the semaphore set is made")
	return func([]string) error { return undo(int(*iters), *ready) }
}

func tourUndo() error {
	cli.Say("SEM_UNDO asks the kernel to remember, per process, the sum of what the")
	cli.Say("process did to a semaphore (semadj), and to take it back at exit. For a mutex,")
	cli.Say("P then V by the same process, the sum stays 0. For a counting semaphore where")
	cli.Say("one side only does P and the other only V, it grows by one per operation, and")
	cli.Say("semop fails with ERANGE once it would pass 32767.")
	return undo(40000, "")
}

func undo(n int, ready string) (err error) {
	id, err := Semget(unix.IPC_PRIVATE, 1, 0o600)
	if err != nil {
		return cli.Sys("make a private semaphore set", "semget", err)
	}
	// A private set has no key to find it by: it goes at the end, on every
	// error path and when interrupted.
	track.Sem(id, unix.IPC_PRIVATE)
	var rmErr error
	remove := cli.Made(func() { rmErr = SemRemove(id) })
	defer func() {
		if remove(); rmErr != nil && err == nil {
			err = cli.Sys("remove the semaphore set", "semctl IPC_RMID", rmErr)
		}
	}()
	if err := cli.Ready(ready); err != nil {
		return err
	}
	// The mutex way: P and V both with SEM_UNDO, by the same process.
	if err := SemSetVal(id, 1); err != nil {
		return cli.Sys("set the semaphore to 1", "semctl SETVAL", err)
	}
	mutex := SysvSem{ID: id, Flg: SEM_UNDO}
	for i := 0; i < n; i++ {
		err := mutex.Lock(cli.Forever)
		if err == nil {
			err = mutex.Unlock()
		}
		if err != nil {
			return cli.Sys("lock and unlock with SEM_UNDO", "semop", err)
		}
	}
	cli.Fact("mutex P+V with SEM_UNDO, times", n)
	cli.Fact("mutex result", "ok")
	// The counting way: P with SEM_UNDO here, V by "the other side".
	if err := SemSetVal(id, 0); err != nil {
		return cli.Sys("set the semaphore to 0", "semctl SETVAL", err)
	}
	done, err := undoOverflow(id, n)
	cli.Fact("counting P with SEM_UNDO, V without, succeeded", done)
	if err != nil {
		cli.Fact("counting result", cli.Outcome(err))
		cli.Fact("error", err)
		return nil
	}
	cli.Fact("counting result", "ok")
	return nil
}

// undoOverflow counts how many P operations with SEM_UNDO one process can
// make on a semaphore that another process raises without SEM_UNDO (the
// V is made here too, without SEM_UNDO: the kernel keeps undo counters per
// process, so it is the same for the counter). It returns the count and the
// error that stopped it.
func undoOverflow(id, max int) (int, error) {
	other, mine := SysvSem{ID: id}, SysvSem{ID: id, Flg: SEM_UNDO}
	for i := 0; i < max; i++ {
		if err := other.Post(); err != nil {
			return i, cli.Sys("V without SEM_UNDO", "semop", err)
		}
		if err := mine.Wait(cli.Forever); err != nil {
			return i, cli.Sys(fmt.Sprintf("P with SEM_UNDO number %d", i+1), "semop", err)
		}
	}
	return max, nil
}
