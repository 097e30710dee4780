//go:build linux && (amd64 || arm64)

// `shmfifo lock`: take the FIFO's mutex the way put and get do, and hold it
// until killed: what a producer killed inside its critical section leaves
// behind (course ep. 30-31, SEM_UNDO; for a -sync posix FIFO, the robust
// mutex).

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func lockCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	undo := f.BoolDefault("undo", true, "SEM_UNDO: the kernel gives the mutex back when this process dies (a sysv FIFO)")
	ready := f.Ready("the mutex is held")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		fifo, err := fifoArg(k, "lock", args)
		if err != nil {
			return err
		}
		defer fifo.Close()
		what := "lock FIFO key " + KeyString(fifo.Key)
		if fifo.SPSC {
			return fmt.Errorf("%s: an SPSC ring has no mutex: the producer and the consumer never wait for each other's lock", what)
		}
		// The mutex as put and get take it; or, asked, a sysv one without
		// SEM_UNDO.
		var m locker = robustLock{fifo.robust}
		undoFact := "no (a futex has no undo: the robust list does that job)"
		if fifo.Sync == "sysv" {
			m, undoFact = SysvSem{ID: fifo.Mutex}, cli.YesNo(*undo)
			if *undo {
				m = SysvSem{ID: fifo.Mutex, Flg: SEM_UNDO}
			}
		}
		if err := m.Lock(cli.Forever); err != nil {
			return cli.WithHints(cli.Sys(what, "semop", err), destroyedHints)
		}
		cli.Fact("mutex", "held")
		cli.Fact("SEM_UNDO", undoFact)
		if err := cli.Ready(*ready); err != nil {
			return err
		}
		// Held until SIGINT or SIGTERM; then give it back ourselves.
		cli.Hold()
		return cli.WithHints(cli.Sys("unlock FIFO key "+KeyString(fifo.Key), "semop", m.Unlock()), destroyedHints)
	}
}

// destroyedHints name what EIDRM (removed while we waited) and EINVAL (the
// set's id is gone) mean to a holder of the mutex.
var destroyedHints = map[syscall.Errno]string{
	unix.EIDRM: "the FIFO was destroyed", unix.EINVAL: "the FIFO was destroyed",
}

func tourLock() error {
	cli.Say("A process killed with SIGKILL while inside put or get dies holding the mutex.")
	cli.Say("put and get take it with SEM_UNDO, so the kernel gives it back at exit.")
	f, destroy, err := ownFifo("sysv", 32, 2)
	if err != nil {
		return err
	}
	defer destroy()
	defer f.Close()
	// A holder with SEM_UNDO, killed: the mutex comes back.
	cli.Say("With SEM_UNDO (what put and get do):")
	v, err := holdAndKill(f, true)
	if err != nil {
		return err
	}
	cli.Fact("mutex after the kill", v)
	cli.Fact("put after the kill", errString(f.Put([]byte("still works"), time.Second)))
	// A holder without it, killed: the mutex stays taken.
	cli.Say("Without SEM_UNDO, the mutex stays taken by a dead process: every put and get")
	cli.Say("after it waits for ever (here: 200ms, then semtimedop says EAGAIN).")
	v, err = holdAndKill(f, false)
	if err != nil {
		return err
	}
	cli.Fact("mutex after the kill", v)
	cli.Fact("put after the kill", errString(f.Put([]byte("stuck"), 200*time.Millisecond)))
	return nil
}

// holdAndKill starts `shmfifo lock -key KEY -undo=undo`, waits until it
// holds the mutex (it says so on its stdout), kills it with SIGKILL and
// returns the mutex value it left behind.
func holdAndKill(f *Fifo, undo bool) (int, error) {
	cmd := self("lock", "-key", KeyString(f.Key), fmt.Sprintf("-undo=%v", undo))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	// Wait for "mutex: held", and look at the mutex then.
	held := false
	for sc := bufio.NewScanner(out); !held && sc.Scan(); {
		held = sc.Text() == "mutex: held"
	}
	if !held {
		return 0, errors.New("lock: the child never held the mutex")
	}
	v, err := SemGetVal(f.Mutex)
	if err != nil {
		return 0, err
	}
	cli.Fact("mutex while the child holds it", v)
	// SIGKILL: no handler runs, the kernel alone cleans up.
	cmd.Process.Signal(syscall.SIGKILL)
	var ee *exec.ExitError
	if errors.As(cmd.Wait(), &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			cli.Fact("child", "killed by "+unix.SignalName(ws.Signal()))
		}
	}
	return SemGetVal(f.Mutex)
}

// errString is "ok", or the errno symbol of err, or err itself.
func errString(err error) string {
	if e := errnoOf(err); e != 0 {
		return cli.ErrnoName(e)
	}
	return cli.Outcome(err)
}
