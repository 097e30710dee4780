//go:build linux && (amd64 || arm64)

// The sem step of the tour: a named semaphore from sem_open to sem_unlink,
// a waiter in another process, the timeouts, and the counter of the counter
// step made exact with a semaphore as a mutex.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"shmlab/internal/cli"
)

func tourSem() error {
	name := tourName("sem")
	cli.Say("A named semaphore (有名信号量) is, with glibc, the 32-byte file /dev/shm/sem.NAME")
	cli.Say("holding a sem_t: one word of value (low half) and waiters (high half), then")
	cli.Say("private = 128. sem_open links a complete one into place: never seen half made.")
	s, remove, err := newSem(name, 0)
	if err != nil {
		return err
	}
	defer remove()
	if err := guardSem(s, func() error { return tourSemSteps(name, s) }); err != nil {
		return err
	}
	return tourSemCounter()
}

// tourSemSteps: the semaphore s (named name) from its bytes to its unlink.
func tourSemSteps(name string, s *Sem) error {
	if err := semShow(s); err != nil {
		return err
	}
	cli.Fact("sem_trywait at 0", cli.Outcome(SemTryWait(s)))

	if err := semTourWaiter(name, s); err != nil {
		return err
	}
	semTourTimeouts(s)
	semTourUnlink(name, s)
	return nil
}

// semTourWaiter: another process waits at 0, and a post wakes it.
func semTourWaiter(name string, s *Sem) error {
	cli.Say("Another process (this program, exec'd) runs sem wait at 0: it counts itself a")
	cli.Say("waiter and sleeps in futex: FUTEX_WAIT here, FUTEX_WAIT_BITSET in glibc; a")
	cli.Say("post that sees a waiter makes FUTEX_WAKE, which wakes either.")
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: []string{os.Args[0], "sem", "wait", name}}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := awaitWaiters(s, 1, 30*time.Second); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	cli.Fact("while it waits: waiters", semWaiters(s))
	if err := SemPost(s); err != nil {
		return semErr("sem_post "+s.Path, "sem_post", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("sem wait: %v", err)
	}
	cli.Fact("the other process", strings.ReplaceAll(strings.TrimSpace(out.String()), "\n", ", "))
	cli.Fact("after it: waiters", semWaiters(s))
	return nil
}

// semTourTimeouts: the timeout of a wait, 0 (do not wait) and 50ms.
func semTourTimeouts(s *Sem) {
	cli.Say("A timeout of 0 does not wait (EAGAIN); more gives up (ETIMEDOUT), uncounted.")
	cli.Fact("sem_wait with timeout 0 at 0", cli.Outcome(SemWait(s, 0)))
	cli.Fact("sem_wait with a 50ms timeout at 0", cli.Outcome(SemWait(s, 50*time.Millisecond)))
	cli.Fact("waiters after the timeout", semWaiters(s))
}

// semTourUnlink: the name goes, the mapping still works.
func semTourUnlink(name string, s *Sem) {
	cli.Say("sem_unlink is unlink(2): the name goes at once; the mapping still works.")
	cli.Fact("sem_unlink", cli.Outcome(SemUnlink(name)))
	_, err := SemOpen(name, 0, 0, 0)
	cli.Fact("sem_open of the name after it", cli.Outcome(err))
	cli.Fact("sem_post on the old mapping", cli.Outcome(SemPost(s)))
	cli.Fact("its value", SemValue(s))
}

// tourSemCounter is the counter of the counter step with plain adds, made
// exact by a semaphore used as a mutex.
func tourSemCounter() error {
	const procs, iters = 4, 20000
	cli.Say("Step 8's plain adds again (%d programs, %d each), each inside sem_wait and", procs, iters)
	cli.Say("sem_post on a semaphore of value 1, a mutex (互斥, UNP2 §13.5): exact.")
	name, mutex := tourName("sc"), tourName("sm")
	remove, err := newObject(name, 4096)
	if err != nil {
		return err
	}
	defer remove()
	_, removeMutex, err := newSem(mutex, 1)
	if err != nil {
		return err
	}
	defer removeMutex()
	total, err := runCounters(name, procs, iters, "-sem", mutex)
	if err != nil {
		return err
	}
	cli.Fact("sem-guarded plain adds, expected", procs*iters)
	cli.Fact("sem-guarded plain adds, counter", total)
	return nil
}
