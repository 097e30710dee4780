//go:build linux && (amd64 || arm64)

// sem bench: what a semaphore costs between two processes, printed, never
// asserted (timings depend on the machine and its load).

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func runSemBench(args []string) error {
	fs := cli.NewFlags("sem bench")
	roundsArg := fs.String("rounds", "20000", "how many round trips")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("sem bench", pos, 0, 0); err != nil {
		return err
	}
	rounds, err := cli.ParseCount("rounds", *roundsArg, 1, 1e8)
	if err != nil {
		return err
	}
	a, b := tourName("bench-a"), tourName("bench-b")
	sa, err := SemOpen(a, unix.O_CREAT|unix.O_EXCL, 0o600, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemUnlink(a)
	defer SemClose(sa)
	sb, err := SemOpen(b, unix.O_CREAT|unix.O_EXCL, 0o600, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemUnlink(b)
	defer SemClose(sb)

	// Uncontended: a post and a wait, in this process.
	n := int(rounds) * 10
	t0 := time.Now()
	for i := 0; i < n; i++ {
		SemPost(sa)
		SemWait(sa, -1)
	}
	cli.Fact("post+wait, no one waiting", perOp(time.Since(t0), n))

	// Between processes: the child waits on a and posts b, n times.
	child := &exec.Cmd{Path: "/proc/self/exe", Args: []string{os.Args[0], "sem", "pong", a, b, strconv.FormatInt(rounds, 10)}, Stderr: os.Stderr}
	if err := child.Start(); err != nil {
		return err
	}
	cs0 := csw()
	t0 = time.Now()
	for i := int64(0); i < rounds; i++ {
		if err := SemPost(sa); err != nil {
			child.Process.Kill()
			child.Wait()
			return err
		}
		if err := SemWait(sb, time.Minute); err != nil {
			child.Process.Kill()
			child.Wait()
			return err
		}
	}
	d := time.Since(t0)
	if err := child.Wait(); err != nil {
		return fmt.Errorf("sem bench: the other process: %v", err)
	}
	cli.Fact("round trip, semaphores, 2 processes", perOp(d, int(rounds)))
	cli.Fact("sleeps per round trip, semaphores, this side", fmt.Sprintf("%.2f", float64(csw()-cs0)/float64(rounds)))

	// The same with a byte through two pipes.
	var p1, p2 [2]int
	if err := unix.Pipe2(p1[:], unix.O_CLOEXEC); err != nil {
		return cli.Sys("sem bench", "pipe2", err)
	}
	if err := unix.Pipe2(p2[:], unix.O_CLOEXEC); err != nil {
		return cli.Sys("sem bench", "pipe2", err)
	}
	in, out := os.NewFile(uintptr(p1[0]), "ping"), os.NewFile(uintptr(p2[1]), "pong")
	child = &exec.Cmd{Path: "/proc/self/exe", Args: []string{os.Args[0], "sem", "pipepong", strconv.FormatInt(rounds, 10)},
		ExtraFiles: []*os.File{in, out}, Stderr: os.Stderr}
	err = child.Start()
	in.Close()
	out.Close()
	defer unix.Close(p1[1])
	defer unix.Close(p2[0])
	if err != nil {
		return err
	}
	buf := []byte{1}
	cs0 = csw()
	t0 = time.Now()
	for i := int64(0); i < rounds; i++ {
		if _, err := unix.Write(p1[1], buf); err != nil {
			return cli.Sys("sem bench", "write", err)
		}
		if _, err := unix.Read(p2[0], buf); err != nil {
			return cli.Sys("sem bench", "read", err)
		}
	}
	d = time.Since(t0)
	if err := child.Wait(); err != nil {
		return fmt.Errorf("sem bench: the other process: %v", err)
	}
	cli.Fact("round trip, pipes, 2 processes", perOp(d, int(rounds)))
	cli.Fact("sleeps per round trip, pipes, this side", fmt.Sprintf("%.2f", float64(csw()-cs0)/float64(rounds)))
	cli.Fact("rounds", rounds)
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

// runSemPong is the other side of sem bench: wait on A, post B, N times.
func runSemPong(args []string) error {
	if len(args) != 3 {
		return cli.Usagef("sem pong: A B N (started by sem bench)")
	}
	n, err := cli.ParseCount("N", args[2], 1, 1e8)
	if err != nil {
		return err
	}
	a, err := SemOpen(args[0], 0, 0, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(a)
	b, err := SemOpen(args[1], 0, 0, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(b)
	for i := int64(0); i < n; i++ {
		if err := SemWait(a, time.Minute); err != nil {
			return err
		}
		if err := SemPost(b); err != nil {
			return err
		}
	}
	return nil
}

// runSemPipePong is the pipe side of sem bench: read a byte from fd 3,
// write it to fd 4, N times.
func runSemPipePong(args []string) error {
	if len(args) != 1 {
		return cli.Usagef("sem pipepong: N (started by sem bench)")
	}
	n, err := cli.ParseCount("N", args[0], 1, 1e8)
	if err != nil {
		return err
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
