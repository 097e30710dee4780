//go:build linux && (amd64 || arm64)

// sem bench: what a semaphore costs between two processes, beside a pipe,
// printed, never asserted (timings depend on the machine and its load).

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func semBench(rounds int64) error {
	a, b := tourName("bench-a"), tourName("bench-b")
	sa, removeA, err := newSem(a, 0)
	if err != nil {
		return err
	}
	defer removeA()
	sb, removeB, err := newSem(b, 0)
	if err != nil {
		return err
	}
	defer removeB()
	return guardSem(sa, func() error {
		return guardSem(sb, func() error { return semBenchRuns(a, b, sa, sb, rounds) })
	})
}

// semBenchRuns: the uncontended case, then round trips between two
// processes through the semaphores, then through pipes.
func semBenchRuns(a, b string, sa, sb *Sem, rounds int64) error {
	// Uncontended: a post and a wait, in this process: no system call.
	n := int(rounds) * 10
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := SemPost(sa); err != nil {
			return semErr("sem_post "+a, "sem_post", err)
		}
		if err := SemWait(sa, cli.Forever); err != nil {
			return semErr("sem_wait "+a, "sem_wait", err)
		}
	}
	cli.Fact("post+wait, no one waiting", perOp(time.Since(t0), n))

	if err := semRoundTrips(a, b, sa, sb, rounds); err != nil {
		return err
	}
	if err := pipeRoundTrips(rounds); err != nil {
		return err
	}
	cli.Fact("rounds", rounds)
	return nil
}

// newSem makes a new semaphore (O_CREAT|O_EXCL, mode 0600) of value v,
// registered for removal on an interrupt. It returns the removal
// (sem_close and sem_unlink) for the caller to defer.
func newSem(name string, v uint32) (*Sem, func(), error) {
	s, err := SemOpen(name, unix.O_CREAT|unix.O_EXCL, 0o600, v)
	if err != nil {
		return nil, nil, semErr("sem_open "+name, "sem_open", err)
	}
	track.File(semFile(name)) // a scenario's cleanup removes it, even if this process is killed
	undo := made(semFile(name))
	return s, func() {
		SemClose(s)
		SemUnlink(name)
		undo()
	}, nil
}

// semRoundTrips: this process posts a and waits on b; a child, `sem pong`,
// waits on a and posts b.
func semRoundTrips(a, b string, sa, sb *Sem, rounds int64) error {
	child := &exec.Cmd{Path: "/proc/self/exe", Args: []string{os.Args[0], "sem", "pong", a, b, strconv.FormatInt(rounds, 10)}, Stderr: os.Stderr}
	if err := child.Start(); err != nil {
		return err
	}
	cs0, t0 := csw(), time.Now()
	for i := int64(0); i < rounds; i++ {
		err := SemPost(sa)
		if err == nil {
			err = SemWait(sb, 5*time.Second)
		}
		if err != nil {
			child.Process.Kill()
			child.Wait()
			return semErr("sem bench", "sem_wait", err)
		}
	}
	d := time.Since(t0)
	if err := child.Wait(); err != nil {
		return fmt.Errorf("sem bench: the other process: %v", err)
	}
	cli.Fact("round trip, semaphores, 2 processes", perOp(d, int(rounds)))
	cli.Fact("sleeps per round trip, semaphores, this side", fmt.Sprintf("%.2f", float64(csw()-cs0)/float64(rounds)))
	return nil
}

// pipeRoundTrips: the same with a byte through two pipes; the child, `sem
// pipepong`, reads fd 3 and writes fd 4.
func pipeRoundTrips(rounds int64) error {
	var p1, p2 [2]int
	if err := unix.Pipe2(p1[:], unix.O_CLOEXEC); err != nil {
		return cli.Sys("sem bench", "pipe2", err)
	}
	if err := unix.Pipe2(p2[:], unix.O_CLOEXEC); err != nil {
		return cli.Sys("sem bench", "pipe2", err)
	}
	in, out := os.NewFile(uintptr(p1[0]), "ping"), os.NewFile(uintptr(p2[1]), "pong")
	child := &exec.Cmd{Path: "/proc/self/exe", Args: []string{os.Args[0], "sem", "pipepong", strconv.FormatInt(rounds, 10)},
		ExtraFiles: []*os.File{in, out}, Stderr: os.Stderr}
	err := child.Start()
	in.Close()
	out.Close()
	defer unix.Close(p1[1])
	defer unix.Close(p2[0])
	if err != nil {
		return err
	}
	buf := []byte{1}
	cs0, t0 := csw(), time.Now()
	for i := int64(0); i < rounds; i++ {
		if _, err := unix.Write(p1[1], buf); err != nil {
			return cli.Sys("sem bench", "write", err)
		}
		if _, err := unix.Read(p2[0], buf); err != nil {
			return cli.Sys("sem bench", "read", err)
		}
	}
	d := time.Since(t0)
	if err := child.Wait(); err != nil {
		return fmt.Errorf("sem bench: the other process: %v", err)
	}
	cli.Fact("round trip, pipes, 2 processes", perOp(d, int(rounds)))
	cli.Fact("sleeps per round trip, pipes, this side", fmt.Sprintf("%.2f", float64(csw()-cs0)/float64(rounds)))
	return nil
}

// csw is this process's voluntary context switches so far (getrusage):
// each is a thread going to sleep, here in FUTEX_WAIT or in a pipe read.
func csw() int64 {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return ru.Nvcsw
}

func perOp(d time.Duration, n int) string {
	return fmt.Sprintf("%.1f ns", float64(d.Nanoseconds())/float64(n))
}

// semPong is the other side of sem bench: wait on A, post B, N times.
func semPong(args []string) error {
	n, err := strconv.ParseInt(args[2], 10, 64)
	if err != nil || n < 1 {
		return cli.Usagef("sem pong: A B N (started by sem bench)")
	}
	a, err := openSem(args[0])
	if err != nil {
		return err
	}
	defer SemClose(a)
	b, err := openSem(args[1])
	if err != nil {
		return err
	}
	defer SemClose(b)
	return guardSem(a, func() error {
		return guardSem(b, func() error {
			for i := int64(0); i < n; i++ {
				if err := SemWait(a, 5*time.Second); err != nil {
					return semErr("sem_wait "+a.Path, "sem_wait", err)
				}
				if err := SemPost(b); err != nil {
					return semErr("sem_post "+b.Path, "sem_post", err)
				}
			}
			return nil
		})
	})
}

// semPipePong is the pipe side of sem bench: read a byte from fd 3, write
// it to fd 4, N times.
func semPipePong(arg string) error {
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n < 1 {
		return cli.Usagef("sem pipepong: N (started by sem bench)")
	}
	buf := make([]byte, 1)
	for i := int64(0); i < n; i++ {
		if _, err := unix.Read(3, buf); err != nil {
			return cli.Sys("sem pipepong", "read", err)
		}
		if _, err := unix.Write(4, buf); err != nil {
			return cli.Sys("sem pipepong", "write", err)
		}
	}
	return nil
}
