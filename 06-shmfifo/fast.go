//go:build linux && (amd64 || arm64)

// `shmfifo fast`: the fast path (001 §1.1; futex(2), sem_overview(7)). A
// -sync posix FIFO, whose semaphores are words in the segment, makes no
// system call at all while nobody has to wait, and exactly one FUTEX_WAKE
// when somebody does.

package main

import (
	"fmt"
	"strings"
	"time"

	"shmlab/internal/cli"
)

func fastCmd(f *cli.Flags) cli.Action {
	hold := f.Hold("the FIFO (after the run, before it is removed)")
	ready := f.Ready("the run is over, before the FIFO is removed")
	return func([]string) error { return fast(*hold, *ready) }
}

func tourFast() error { return fast(false, "") }

func fast(hold bool, ready string) error {
	cli.Say("init -sync posix: the same segment and header, but the synchronisation is at")
	cli.Say("the end of the segment: free and filled are 32-byte sem_t (glibc's layout:")
	cli.Say("value in the low 32 bits, waiters in the high 32), the mutex a robust")
	cli.Say("pthread_mutex_t, all changed with atomic instructions. The kernel is asked")
	cli.Say("only to sleep (FUTEX_WAIT) and to wake (FUTEX_WAKE).")
	// Removed at the end, on every error path, and when interrupted.
	f, destroy, err := ownFifo("posix", 32, 4)
	if err != nil {
		return err
	}
	defer destroy()
	defer f.Close()
	cli.Fact("key", KeyString(f.Key))
	cli.Fact("sync", f.Sync)
	if err := fastNoWait(f); err != nil {
		return err
	}
	if err := fastWake(f); err != nil {
		return err
	}
	cli.Say("With -ring spsc (one producer, one consumer) there is not even a")
	cli.Say("compare-and-swap: each side stores its own counter, and sleeps only when the")
	cli.Say("ring is full or empty (bench: shmfifo-posix).")
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if hold {
		cli.Hold()
	}
	return nil
}

// fastNoWait puts and gets three messages while nobody waits: no futex call.
func fastNoWait(f *Fifo) error {
	cli.Say("Three puts and three gets while nobody waits: every P, V, lock and unlock is")
	cli.Say("one atomic instruction in user space (the course's semaphores: 24 semop calls).")
	for _, m := range []string{"one", "two", "three"} {
		if err := f.Put([]byte(m), time.Second); err != nil {
			return err
		}
	}
	b := make([]byte, f.Blksize)
	for range 3 {
		if err := f.Get(b, time.Second); err != nil {
			return err
		}
	}
	cli.Fact("futex calls", f.futexCalls().Total())
	return nil
}

// fastWake lets a consumer process sleep on the empty FIFO, then wakes it
// with one put: one FUTEX_WAKE.
func fastWake(f *Fifo) error {
	cli.Say("A consumer process finds the FIFO empty: it adds itself to the waiters of")
	cli.Say("\"filled\" and sleeps in FUTEX_WAIT. A put then sees a waiter and wakes it.")
	cons := self("get", "-key", KeyString(f.Key), "-timeout", "30s")
	var got strings.Builder
	cons.Stdout = &got
	if err := cons.Start(); err != nil {
		return err
	}
	defer func() {
		if cons.ProcessState == nil {
			cons.Process.Kill()
			cons.Wait()
		}
	}()
	// Wait until the consumer is counted in the semaphore's high half.
	for deadline := time.Now().Add(30 * time.Second); f.futexFilled.Waiters() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("fast: the consumer never waited")
		}
	}
	cli.Fact("waiters on filled", f.futexFilled.Waiters())
	// One put: the value goes up, and the waiter counted means one wake.
	if err := f.Put([]byte("wake up"), time.Second); err != nil {
		return err
	}
	if err := cons.Wait(); err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	cli.Fact("consumer got", strings.TrimSpace(got.String()))
	cli.Fact("futex wakes by the producer", f.futexCalls().PutWakes)
	cli.Fact("waiters on filled after", f.futexFilled.Waiters())
	return nil
}
