//go:build linux && (amd64 || arm64)

// The sem experiment: named semaphores (UNP vol. 2 ch. 10, course ep. 39),
// glibc's sem_open family written in Go on a file in /dev/shm and the futex
// system call. One experiment, one verb per call, as TLPI's psem_create,
// psem_wait, psem_post, psem_getvalue and psem_unlink are one program each:
// `posix sem VERB NAME [flags]`.

package main

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/track"
)

// semArgs is the synopsis of the sem experiment, one alternative per verb.
const semArgs = "create NAME [-value N] [-excl] [-mode MODE] [-umask MODE] | wait NAME [-timeout D] [-ready FILE] | " +
	"trywait NAME | post NAME | value NAME [-waiters N] | unlink NAME | bench [-iters N]"

// semFlags are the flags of the sem experiment; each belongs to one verb.
type semFlags struct {
	f                     *cli.Flags
	value, waiters, iters *int64
	excl                  *bool
	mode                  *uint32
	umask, ready          *string
	timeout               *time.Duration
}

func semCmd(f *cli.Flags) cli.Action {
	o := semFlags{
		f:       f,
		value:   f.Int("value", 0, 0, 1<<32-1, "create: the initial value (above SEM_VALUE_MAX, sem_open says EINVAL)"),
		excl:    f.Bool("excl", "create: O_EXCL: fail if the name exists"),
		mode:    f.Mode("mode", 0o600, "create: the permission bits of a new semaphore, before the umask"),
		umask:   f.String("umask", "MODE", "", "create: set the umask first (it filters -mode)"),
		timeout: f.Timeout(cli.Forever, "wait gets no token"),
		ready:   f.Ready("wait has the semaphore open, just before it waits"),
		waiters: f.Int("waiters", 0, 0, 1<<20, "value: first wait (up to 30s) until at least N processes count as waiting"),
		iters:   f.Int("iters", 20000, 1, 1e8, "bench: how many round trips"),
	}
	f.Args(0, -1) // VERB and its arguments
	return o.run
}

// semVerbs gives each verb its number of arguments and its flags.
var semVerbs = map[string]struct {
	args  int
	flags []string
}{
	"create":  {1, []string{"value", "excl", "mode", "umask"}},
	"wait":    {1, []string{"timeout", "ready"}},
	"trywait": {1, nil},
	"post":    {1, nil},
	"value":   {1, []string{"waiters"}},
	"unlink":  {1, nil},
	"bench":   {0, []string{"iters"}},
	// The other sides of bench, which starts them: not for people.
	"pong":     {3, nil},
	"pipepong": {1, nil},
}

// run checks the verb, its arguments and its flags, and runs it.
func (o semFlags) run(args []string) error {
	if len(args) == 0 {
		return cli.Usagef("sem: which? create, wait, trywait, post, value, unlink or bench")
	}
	verb, args := args[0], args[1:]
	v, ok := semVerbs[verb]
	if !ok {
		return cli.Usagef("sem: unknown verb %q (create, wait, trywait, post, value, unlink, bench)", verb)
	}
	if len(args) != v.args {
		return cli.Usagef("sem %s: wrong number of arguments (%d)", verb, len(args))
	}
	if err := o.onlyFlags(verb, v.flags); err != nil {
		return err
	}
	switch verb {
	case "create":
		return o.create(args[0])
	case "wait":
		return o.wait(args[0])
	case "trywait":
		return semOp(args[0], "sem_trywait", SemTryWait, "took", "a token")
	case "post":
		return semOp(args[0], "sem_post", SemPost, "posted", "yes")
	case "value":
		return o.getValue(args[0])
	case "unlink":
		return semUnlink(args[0])
	case "bench":
		return semBench(*o.iters)
	case "pong":
		return semPong(args)
	}
	return semPipePong(args[0])
}

// onlyFlags refuses a flag given to a verb it does not belong to.
func (o semFlags) onlyFlags(verb string, allowed []string) error {
	for _, name := range o.f.Names() {
		if o.f.Given(name) && !slices.Contains(allowed, name) {
			return cli.Usagef("sem %s: -%s is a flag of another verb (posix sem -h)", verb, name)
		}
	}
	return nil
}

// create is sem_open(O_CREAT), with O_EXCL if asked: it opens the semaphore
// NAME, or makes it with the value given, and shows what the file holds.
func (o semFlags) create(name string) error {
	if err := setUmask(*o.umask); err != nil {
		return err
	}
	oflag := unix.O_CREAT
	if *o.excl {
		oflag |= unix.O_EXCL
	}
	s, err := SemOpen(name, oflag, *o.mode, uint32(*o.value))
	if err != nil {
		if *o.value > SemValueMax {
			err = cli.SysHint("sem_open "+cli.Quote(name), "sem_open", err,
				fmt.Sprintf("the initial value must be at most SEM_VALUE_MAX (%d)", SemValueMax))
		}
		return semOpenErr(name, err)
	}
	defer SemClose(s)
	track.File(s.Path)
	return guardSem(s, func() error { return semShow(s) })
}

// guardSem runs f, which uses the semaphore s: its sem_t is a mapping of a
// file that another process (its owner, or anyone its mode lets write) can
// truncate, and an access to it then raises SIGBUS. The guard turns that
// into an error line naming the semaphore, instead of a crash.
func guardSem(s *Sem, f func() error) error {
	var err error
	mem := unsafe.Slice((*byte)(unsafe.Pointer(s.Data)), SemSize)
	if gerr := fault.Guard(mem, func() { err = f() }); gerr != nil {
		return fmt.Errorf("semaphore %s: %w", cli.Quote(s.Path), gerr)
	}
	return err
}

// semShow prints what the file and its sem_t hold, and how many
// descriptors this process still has on the file (sem_open keeps only the
// mapping).
func semShow(s *Sem) error {
	var st unix.Stat_t
	if err := unix.Stat(s.Path, &st); err != nil {
		return cli.Sys("stat "+s.Path, "stat", err)
	}
	fds, err := descriptorsOn(s.Path)
	if err != nil {
		return cli.Sys("count the descriptors on "+s.Path, "stat", err)
	}
	cli.Fact("path", cli.Quote(s.Path))
	cli.Fact("size", st.Size)
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("value", SemValue(s))
	cli.Fact("waiters", semWaiters(s))
	cli.Fact("private", semPrivate(s))
	cli.Fact("descriptors open on it", fds)
	return nil
}

// openSem opens the existing semaphore name (sem_open without O_CREAT).
func openSem(name string) (*Sem, error) {
	s, err := SemOpen(name, 0, 0, 0)
	return s, semOpenErr(name, err)
}

// semOpenErr reports a failed sem_open. EINVAL for a name glibc accepts
// means the file at the name is no semaphore.
func semOpenErr(name string, err error) error {
	if _, perr := SemPath(name); perr == nil && errors.Is(err, unix.EINVAL) {
		err = cli.SysHint("sem_open "+cli.Quote(name), "sem_open", err,
			fmt.Sprintf("not a semaphore: the file at the name is not a regular file of at least %d bytes", SemSize))
	}
	return semErr("sem_open "+cli.Quote(name), "sem_open", err)
}

// semOp opens the semaphore name, makes one call on it, and prints fact:
// value on success, then the value and the waiters.
func semOp(name, call string, op func(*Sem) error, fact, value string) error {
	s, err := openSem(name)
	if err != nil {
		return err
	}
	defer SemClose(s)
	return guardSem(s, func() error {
		if err := op(s); err != nil {
			return semErr(call+" "+cli.Quote(s.Path), call, err)
		}
		cli.Fact(fact, value)
		cli.Fact("value", SemValue(s))
		cli.Fact("waiters", semWaiters(s))
		return nil
	})
}

// wait is sem_wait, or with -timeout sem_timedwait (0: sem_trywait). It
// says whether it had to wait at all.
func (o semFlags) wait(name string) error {
	s, err := openSem(name)
	if err != nil {
		return err
	}
	defer SemClose(s)
	return guardSem(s, func() error {
		// Try first, so as to say whether this process had to wait at all.
		waited := SemTryWait(s) != nil
		if err := cli.Ready(*o.ready); err != nil {
			return err
		}
		if waited {
			if err := SemWait(s, *o.timeout); err != nil {
				return semErr("sem_wait "+cli.Quote(s.Path), "sem_wait", err)
			}
		}
		cli.Fact("waited", cli.YesNo(waited))
		cli.Fact("took", "a token")
		return nil
	})
}

// getValue is sem_getvalue, and the waiters the sem_t counts; then
// sem_close, after which no mapping of the file is left.
func (o semFlags) getValue(name string) error {
	s, err := openSem(name)
	if err != nil {
		return err
	}
	err = guardSem(s, func() error {
		if *o.waiters > 0 {
			if err := awaitWaiters(s, uint32(*o.waiters), 30*time.Second); err != nil {
				return err
			}
		}
		cli.Fact("value", SemValue(s))
		cli.Fact("waiters", semWaiters(s))
		return nil
	})
	if err != nil {
		SemClose(s)
		return err
	}
	if err := SemClose(s); err != nil {
		return semErr("sem_close "+s.Path, "munmap", err)
	}
	left, err := mappingsOf(s.Path)
	if err != nil {
		return err
	}
	cli.Fact("mappings left after sem_close", left)
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

// semUnlink is sem_unlink: the name goes at once.
func semUnlink(name string) error {
	if err := SemUnlink(name); err != nil {
		return semErr("sem_unlink "+cli.Quote(name), "sem_unlink", err)
	}
	path, _ := SemPath(name)
	cli.Fact("unlinked", cli.Quote(path))
	return nil
}
