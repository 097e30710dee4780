//go:build linux && (amd64 || arm64)

// The tour's steps that start processes: the producer/consumer demo and the
// mutex holder killed with SIGKILL. Both make a FIFO of their own at a random
// free key and remove it at the end.

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/exercise"
)

// self is a command running this same program with args, in a new process.
// It execs /proc/self/exe with argv[0] "shmfifo", which is how a test binary
// (go test, testscript) knows to act as the program; the child dies if we do.
func self(args ...string) *exec.Cmd {
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: append([]string{"shmfifo"}, args...)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	return cmd
}

// freeKey picks a random key K such that nothing uses K, K+1 or K+2, for a
// FIFO that only this run will use (0x5fXXXXX0: outside the scenarios' block).
func freeKey() (int, error) {
	for range 100 {
		var b [4]byte
		rand.Read(b[:])
		k := int(0x5f000000 | binary.LittleEndian.Uint32(b[:])&0x00fffff0)
		free := true
		for i := range 3 {
			if _, err := unix.SysvShmGet(k+i, 0, 0); !errors.Is(err, unix.ENOENT) {
				free = false
			}
			if _, err := Semget(k+i, 0, 0); errors.Is(err, exercise.ErrExercise) {
				return 0, err
			} else if !errors.Is(err, unix.ENOENT) {
				free = false
			}
		}
		if free {
			return k, nil
		}
	}
	return 0, errors.New("no free key found in 100 tries")
}

// privateFifo makes a FIFO at a free key; the caller destroys it.
func privateFifo(blksize, blocks int) (*Fifo, error) {
	for range 10 {
		key, err := freeKey()
		if err != nil {
			return nil, err
		}
		f, created, err := Init(key, blksize, blocks, 0o600)
		if errors.Is(err, unix.EEXIST) || (err == nil && !created) {
			if f != nil {
				f.Close()
			}
			continue // someone took it meanwhile
		}
		if err != nil {
			return nil, err
		}
		trackFifo(f)
		return f, nil
	}
	return nil, errors.New("could not make a FIFO at a free key")
}

func runDemo(args []string) error {
	if err := cli.Want("demo", args, 0, 0); err != nil {
		return err
	}
	return tourDemo()
}

func tourDemo() error {
	cli.Say("init: one segment holds a 16-byte header (blksize, blocks, rd_index,")
	cli.Say("wr_index) and 4 blocks of 32 bytes; three semaphore sets count: mutex = 1,")
	cli.Say("free blocks = 4, filled blocks = 0.")
	f, err := privateFifo(32, 4)
	if err != nil {
		return err
	}
	key := KeyString(f.Key)
	defer Destroy(f.Key)
	defer f.Close()
	cli.Fact("key", key)
	if err := statFacts(f, "filled", "free", "mutex"); err != nil {
		return err
	}
	cli.Say("A consumer process takes 6 blocks, waiting in P(filled) whenever none is")
	cli.Say("there; a producer process puts 6 messages into the 4 blocks, waiting in")
	cli.Say("P(free) whenever the ring is full (the indices wrap around).")
	cons := self("get", key, "-n", "6")
	var got strings.Builder
	cons.Stdout = &got
	if err := cons.Start(); err != nil {
		return err
	}
	prod := self("put", key, "one", "two", "three", "four", "five", "six")
	prod.Stdout = io.Discard
	if err := prod.Run(); err != nil {
		cons.Process.Kill()
		cons.Wait()
		return fmt.Errorf("producer: %w", err)
	}
	if err := cons.Wait(); err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(got.String()), "\n") {
		cli.Fact("consumer got", l)
	}
	cli.Say("After 6 puts and 6 gets both indices went round once and stopped at 6 mod 4:")
	if err := statFacts(f, "rd_index", "wr_index", "filled", "free", "mutex"); err != nil {
		return err
	}
	cli.Say("destroy: shmctl(IPC_RMID) and semctl(IPC_RMID) on the three sets.")
	f.Close()
	n, err := Destroy(f.Key)
	if err != nil {
		return err
	}
	cli.Fact("removed", fmt.Sprintf("%d objects", n))
	return nil
}

// statFacts prints the named fields of the FIFO's status.
func statFacts(f *Fifo, names ...string) error {
	s, err := f.Stat()
	if err != nil {
		return err
	}
	vals := map[string]any{"rd_index": s.RdIndex, "wr_index": s.WrIndex, "filled": s.Filled,
		"free": s.Free, "mutex": s.Mutex, "blksize": s.Blksize, "blocks": s.Blocks}
	for _, n := range names {
		cli.Fact(n, vals[n])
	}
	return nil
}

// holdAndKill starts `shmfifo lock KEY -undo=undo`, waits until it holds the
// mutex (it says so on its stdout), kills it with SIGKILL and returns the
// mutex value it left behind.
func holdAndKill(f *Fifo, undo bool) (int, error) {
	cmd := self("lock", KeyString(f.Key), fmt.Sprintf("-undo=%v", undo))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(out)
	held := false
	for !held && sc.Scan() {
		held = sc.Text() == "mutex: held"
	}
	if !held {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, errors.New("lock: the child never held the mutex")
	}
	v, err := SemGetVal(f.Mutex)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return 0, err
	}
	cli.Fact("mutex while the child holds it", v)
	cmd.Process.Signal(syscall.SIGKILL)
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			cli.Fact("child", "killed by "+unix.SignalName(ws.Signal()))
		}
	}
	return SemGetVal(f.Mutex)
}

func tourLock() error {
	cli.Say("A process killed with SIGKILL while inside put or get dies holding the mutex.")
	cli.Say("put and get take it with SEM_UNDO, so the kernel gives it back at exit.")
	f, err := privateFifo(32, 2)
	if err != nil {
		return err
	}
	defer Destroy(f.Key)
	defer f.Close()
	cli.Say("With SEM_UNDO (what put and get do):")
	v, err := holdAndKill(f, true)
	if err != nil {
		return err
	}
	cli.Fact("mutex after the kill", v)
	cli.Fact("put after the kill", errString(f.Put([]byte("still works"), time.Second)))
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

// errString is "ok", or the errno symbol of err, or err itself.
func errString(err error) string {
	if err == nil {
		return "ok"
	}
	var se *cli.SysError
	if errors.As(err, &se) {
		return cli.ErrnoName(se.Errno)
	}
	return err.Error()
}
