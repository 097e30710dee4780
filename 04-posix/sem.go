//go:build linux && (amd64 || arm64)

// The sem experiment: named semaphores, glibc's sem_open family written in
// Go on a file in /dev/shm and the futex system call (UNP vol. 2 ch. 10).

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

const semUsage = "create NAME VALUE [-excl] [-mode 0600] [-umask 022] | wait NAME [-timeout D] [-ready FILE] | trywait NAME | post NAME | value NAME [-waiters N] | unlink NAME | bench [-rounds N]"

func runSem(args []string) error {
	if len(args) == 0 {
		return cli.Usagef("sem: which? create, wait, trywait, post, value or unlink")
	}
	verb, args := args[0], args[1:]
	switch verb {
	case "create":
		return runSemCreate(args)
	case "wait":
		return runSemWait(args)
	case "trywait", "post", "unlink":
		pos, err := cli.Parse(cli.NewFlags("sem "+verb), args)
		if err != nil {
			return err
		}
		if err := cli.Want("sem "+verb, pos, 1, 1); err != nil {
			return err
		}
		switch verb {
		case "trywait":
			return semOp(pos[0], func(s *Sem) error {
				if err := SemTryWait(s); err != nil {
					return semExplain(err)
				}
				cli.Fact("took", "a token")
				return nil
			})
		case "post":
			return semOp(pos[0], func(s *Sem) error {
				if err := SemPost(s); err != nil {
					return err
				}
				cli.Fact("posted", "yes")
				return nil
			})
		}
		if err := SemUnlink(pos[0]); err != nil {
			return semExplain(err)
		}
		path, _ := SemPath(pos[0])
		cli.Fact("unlinked", path)
		return nil
	case "value":
		return runSemValue(args)
	case "bench":
		return runSemBench(args)
	case "pong":
		return runSemPong(args)
	case "pipepong":
		return runSemPipePong(args)
	}
	return cli.Usagef("sem: unknown verb %q (create, wait, trywait, post, value, unlink, bench)", verb)
}

// semExplain adds what to do to the errors of the sem verbs.
func semExplain(err error) error { return cli.WithHints(err, semHints) }

var semHints = map[syscall.Errno]string{
	unix.ENOENT:    "no semaphore has that name (ls /dev/shm/sem.*; posix sem create NAME VALUE makes one)",
	unix.EEXIST:    "a semaphore has that name (drop -excl, or remove it: posix sem unlink NAME)",
	unix.EACCES:    "its mode bits do not give you read and write, which every semaphore operation needs",
	unix.ELOOP:     "a symlink has that name in /dev/shm, and sem_open never follows one (O_NOFOLLOW)",
	unix.EAGAIN:    "the value is 0: no token to take (sem_wait would sleep)",
	unix.ETIMEDOUT: "no token was posted in time",
}

// semOp opens the semaphore name, runs f on it, then prints its value and
// waiters.
func semOp(name string, f func(s *Sem) error) error {
	s, err := SemOpen(name, 0, 0, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(s)
	if err := f(s); err != nil {
		return err
	}
	cli.Fact("value", SemValue(s))
	cli.Fact("waiters", semWaiters(s))
	return nil
}

func runSemCreate(args []string) error {
	fs := cli.NewFlags("sem create")
	excl := fs.Bool("excl", false, "use O_EXCL: fail if the name exists")
	modeArg := fs.String("mode", "0600", "permission bits of a new semaphore")
	umaskArg := fs.String("umask", "", "set the umask first")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("sem create", pos, 2, 2); err != nil {
		return err
	}
	value, err := cli.ParseCount("value", pos[1], 0, 1<<32-1)
	if err != nil {
		return err
	}
	mode, err := modeAndUmask(*modeArg, *umaskArg)
	if err != nil {
		return err
	}
	oflag := unix.O_CREAT
	if *excl {
		oflag |= unix.O_EXCL
	}
	s, err := SemOpen(pos[0], oflag, mode, uint32(value))
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(s)
	track.File(s.Path)
	return semShow(s)
}

// semShow prints what the file and its sem_t hold.
func semShow(s *Sem) error {
	var st unix.Stat_t
	if err := unix.Stat(s.Path, &st); err != nil {
		return cli.Sys("stat "+s.Path, "stat", err)
	}
	cli.Fact("path", s.Path)
	cli.Fact("size", st.Size)
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("value", SemValue(s))
	cli.Fact("waiters", semWaiters(s))
	cli.Fact("private", semPrivate(s))
	return nil
}

func runSemWait(args []string) error {
	fs := cli.NewFlags("sem wait")
	timeoutArg := fs.String("timeout", "", "give up after this long (sem_timedwait): 100ms, 2s")
	ready := fs.String("ready", "", "write this file once the semaphore is open, before waiting")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("sem wait", pos, 1, 1); err != nil {
		return err
	}
	timeout := time.Duration(-1)
	if *timeoutArg != "" {
		if timeout, err = time.ParseDuration(*timeoutArg); err != nil || timeout < 0 {
			return cli.Usagef("timeout %q: want a duration such as 100ms or 2s", *timeoutArg)
		}
	}
	s, err := SemOpen(pos[0], 0, 0, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(s)
	// Try first, so as to say whether this process had to wait at all.
	waited := SemTryWait(s) != nil
	if err := cli.Ready(*ready); err != nil {
		return err
	}
	if waited {
		if err := SemWait(s, timeout); err != nil {
			return semExplain(err)
		}
	}
	cli.Fact("waited", cli.YesNo(waited))
	cli.Fact("took", "a token")
	return nil
}

func runSemValue(args []string) error {
	fs := cli.NewFlags("sem value")
	waitersArg := fs.String("waiters", "", "first wait (up to 30s) until at least N processes count as waiting")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("sem value", pos, 1, 1); err != nil {
		return err
	}
	var want int64 = -1
	if *waitersArg != "" {
		if want, err = cli.ParseCount("waiters", *waitersArg, 0, 1<<20); err != nil {
			return err
		}
	}
	s, err := SemOpen(pos[0], 0, 0, 0)
	if err != nil {
		return semExplain(err)
	}
	defer SemClose(s)
	if want >= 0 {
		if err := awaitWaiters(s, uint32(want), 30*time.Second); err != nil {
			return err
		}
	}
	cli.Fact("value", SemValue(s))
	cli.Fact("waiters", semWaiters(s))
	return nil
}

// awaitWaiters polls the waiter count until it reaches n: how a scenario
// knows that another process is inside sem_wait (it counts itself before it
// sleeps), without sleeping a guessed time.
func awaitWaiters(s *Sem, n uint32, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for delay := 100 * time.Microsecond; semWaiters(s) < n; delay = min(delay*2, 20*time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("sem value %s: waiters still %d after %v, want %d", s.Path, semWaiters(s), limit, n)
		}
		time.Sleep(delay)
	}
	return nil
}

func tourSem() error {
	name := tourName("sem")
	defer SemUnlink(name)
	cli.Say("A named semaphore (有名信号量, UNP2 ch. 10) is, with glibc, a 32-byte file")
	cli.Say("/dev/shm/sem.NAME holding a sem_t, which every process maps. sem_open writes")
	cli.Say("a complete sem_t to a file of a random name and link()s it to the real one,")
	cli.Say("so no process ever opens a half-made semaphore. The first 8 bytes are the")
	cli.Say("value (low half) and the number of waiters (high half); then `private`, 128")
	cli.Say("(FUTEX_PRIVATE_FLAG, which glibc XORs away: the futex calls are shared ones).")
	s, err := SemOpen(name, unix.O_CREAT|unix.O_EXCL, 0o600, 0)
	if err != nil {
		return err
	}
	defer SemClose(s)
	if err := semShow(s); err != nil {
		return err
	}
	raw, err := os.ReadFile(s.Path)
	if err != nil {
		return err
	}
	cli.Fact("sem_t bytes", fmt.Sprintf("% x", raw[:16]))
	cli.Fact("sem_trywait at 0", cli.Outcome(SemTryWait(s)))

	cli.Say("Another process (this program, exec'd: no memory inherited) runs sem wait;")
	cli.Say("the value is 0, so it counts itself as a waiter and sleeps in futex(FUTEX_WAIT)")
	cli.Say("on the value word. sem_post adds 1 and, seeing a waiter, makes futex(FUTEX_WAKE).")
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
	cli.Fact("while it waits: value", SemValue(s))
	cli.Fact("while it waits: waiters", semWaiters(s))
	if err := SemPost(s); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("sem wait: %v", err)
	}
	cli.Fact("the other process", strings.ReplaceAll(strings.TrimSpace(out.String()), "\n", ", "))
	cli.Fact("after it: value", SemValue(s))
	cli.Fact("after it: waiters", semWaiters(s))

	cli.Say("sem_timedwait gives up with ETIMEDOUT and stops counting itself as a waiter.")
	cli.Fact("sem_wait with a 50ms timeout at 0", cli.Outcome(SemWait(s, 50*time.Millisecond)))
	cli.Fact("waiters after the timeout", semWaiters(s))

	cli.Say("The value is at most SEM_VALUE_MAX (%d): sem_open refuses more (EINVAL),", SemValueMax)
	cli.Say("sem_post at the maximum fails with EOVERFLOW.")
	big := tourName("sem-max")
	_, err = SemOpen(big, unix.O_CREAT|unix.O_EXCL, 0o600, SemValueMax+1)
	cli.Fact("sem_open with SEM_VALUE_MAX+1", cli.Outcome(err))
	m, err := SemOpen(big, unix.O_CREAT|unix.O_EXCL, 0o600, SemValueMax)
	if err != nil {
		return err
	}
	defer SemUnlink(big)
	defer SemClose(m)
	cli.Fact("sem_post at SEM_VALUE_MAX", cli.Outcome(SemPost(m)))

	cli.Say("sem_unlink is unlink(2) of the file: the name goes at once (UNP2 §10.2: the")
	cli.Say("semaphore itself lives until the last sem_close); the mapping still works.")
	cli.Fact("sem_unlink", cli.Outcome(SemUnlink(name)))
	_, err = SemOpen(name, 0, 0, 0)
	cli.Fact("sem_open of the name after it", cli.Outcome(err))
	cli.Fact("sem_post on the old mapping", cli.Outcome(SemPost(s)))
	cli.Fact("its value", SemValue(s))
	return tourSemCounter()
}

// tourSemCounter is the counter of the counter step with plain adds, made
// exact by a semaphore used as a mutex.
func tourSemCounter() error {
	const procs, iters = 4, 20000
	cli.Say("The counter of step 8 again: %d programs add %d times each with the plain", procs, iters)
	cli.Say("load and store that lost updates there, but each add sits between sem_wait")
	cli.Say("and sem_post on a semaphore created with value 1: a mutex (互斥). One process")
	cli.Say("at a time adds, and the total is exact (UNP2 §13.5, counter -sem).")
	name, mutex := tourName("sc"), tourName("sm")
	defer ShmUnlink(name)
	if err := newObject(name, 4096); err != nil {
		return err
	}
	m, err := SemOpen(mutex, unix.O_CREAT|unix.O_EXCL, 0o600, 1)
	if err != nil {
		return err
	}
	defer SemUnlink(mutex)
	defer SemClose(m)
	total, err := runCounters(name, procs, iters, false, mutex)
	if err != nil {
		return err
	}
	cli.Fact("sem-guarded plain adds, expected", procs*iters)
	cli.Fact("sem-guarded plain adds, counter", total)
	cli.Fact("the mutex after: value", SemValue(m))
	cli.Fact("the mutex after: waiters", semWaiters(m))
	return nil
}
