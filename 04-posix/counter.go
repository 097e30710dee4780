//go:build linux && (amd64 || arm64)

// The counter experiment (notes 001 §1.1, course ep. 35): processes that
// share nothing but a name add to one counter in a POSIX shared memory
// object, atomically, with a plain load and store, or with a plain load and
// store inside a named semaphore used as a mutex (UNP2 §13.5).

package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

// The object's layout: the counter at offset 0; at offset 8 how many
// processes have joined (the start line: everyone adds at the same time);
// at offset 16 how many adds the processes made, each adding its own count
// once at the end (with sync/atomic, apart from the lesson's AtomicAdd), so
// that the updates lost are the difference.
const (
	offCounter = 0
	offJoined  = 8
	offAdds    = 16
	counterLen = 24
)

func counterCmd(f *cli.Flags) cli.Action {
	procs := f.Int("procs", 1, 1, 64, "how many processes take part (each waits for all at the start line)")
	iters := f.Int("iters", 100000, 1, 1e9, "how many times this process adds 1")
	dur := f.Duration("for", 0, "add for D instead, as many times as fit (long enough for processes to overlap)")
	plain := f.Bool("plain", "add with a plain load and store, not atomically (to see updates lost)")
	semName := f.String("sem", "SEM", "", "add with a plain load and store inside sem_wait/sem_post on this named semaphore (a mutex: make it with sem create NAME -value 1)")
	show := f.Bool("show", "print the counter, the processes joined, the adds they made and the updates lost, instead of adding")
	f.Args(1, 1) // NAME
	return func(args []string) error {
		if *plain && *semName != "" {
			return cli.Usagef("counter: -plain and -sem: choose one")
		}
		if f.Given("for") && f.Given("iters") {
			return cli.Usagef("counter: -iters and -for: choose one")
		}
		if f.Given("for") && (*dur <= 0 || *dur > 10*time.Minute) {
			return cli.Usagef("counter: -for %v: must be more than 0 and at most 10m", *dur)
		}
		m, done, err := openCounter(args[0])
		if err != nil {
			return err
		}
		defer done()
		if *show {
			return guardCounter(args[0], m, nil, func() error { return showCounter(m) })
		}
		var add adder = atomicAdd{}
		if *plain {
			add = plainAdd{}
		}
		var s *Sem
		if *semName != "" {
			if s, err = openSem(*semName); err != nil {
				return err
			}
			defer SemClose(s)
			add = semAdd{s}
		}
		n := *iters
		if f.Given("for") {
			n = 0
		}
		return guardCounter(args[0], m, s, func() error { return count(m, *procs, n, *dur, add) })
	}
}

// guardCounter runs f, which reads and writes the counter mapping m and the
// semaphore s (if any): another process can shrink either file under its
// mapping, and the access then ends in an error line, not a crash.
func guardCounter(name string, m []byte, s *Sem, f func() error) error {
	var err error
	gerr := fault.Guard(m, func() {
		if s == nil {
			err = f()
			return
		}
		err = guardSem(s, f)
	})
	if gerr != nil {
		return fmt.Errorf("counter %s: %w", cli.Quote(name), gerr)
	}
	return err
}

// showCounter prints the counter, the processes that joined, the adds they
// made and how many of those the counter lost.
func showCounter(m []byte) error {
	counter, adds := AtomicLoad(m, offCounter), atomic.LoadUint64(addsWord(m))
	cli.Fact("counter", counter)
	cli.Fact("processes joined", AtomicLoad(m, offJoined))
	cli.Fact("adds made", adds)
	cli.Fact("updates lost", int64(adds-counter))
	return nil
}

// openCounter maps the counter of the object name.
func openCounter(name string) ([]byte, func(), error) {
	fd, st, err := openObject("counter", name, unix.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	defer unix.Close(fd) // the mapping keeps the object
	if st.Size < counterLen {
		return nil, nil, fmt.Errorf("counter %s: the object has %d bytes, the counter needs %d (posix create NAME -size 4096)", cli.Quote(name), st.Size, counterLen)
	}
	m, err := Map(fd, 0, counterLen, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return nil, nil, shmErr("map "+cli.Quote(name), "mmap", err)
	}
	return m, func() { Unmap(m) }, nil
}

// An adder adds 1 to the counter in m, one of three ways.
type adder interface{ add(m []byte) error }

// atomicAdd: one LOCK XADD; no update is ever lost.
type atomicAdd struct{}

func (atomicAdd) add(m []byte) error { AtomicAdd(m, offCounter, 1); return nil }

// plainAdd: load, add, store. Another process's store between our load and
// our store is overwritten, and its adds are lost.
type plainAdd struct{}

func (plainAdd) add(m []byte) error {
	p := (*uint64)(unsafe.Pointer(&m[offCounter]))
	*p = *p + 1
	return nil
}

// semAdd: the same load and store, but one process at a time runs them: the
// semaphore, created with value 1, is a mutex (UNP2 §13.5: sem_wait locks,
// sem_post unlocks).
type semAdd struct{ s *Sem }

func (a semAdd) add(m []byte) error {
	// Bounded: a wait of 5 s for a lock held for one add means a lost
	// wake-up, and should fail the run rather than hang it.
	if err := SemWait(a.s, 5*time.Second); err != nil {
		return semErr("sem_wait "+a.s.Path, "sem_wait", err)
	}
	p := (*uint64)(unsafe.Pointer(&m[offCounter]))
	*p = *p + 1
	return semErr("sem_post "+a.s.Path, "sem_post", SemPost(a.s))
}

// count joins the start line, waits until procs processes are there, and
// adds 1 to the counter iters times, or for d when iters is 0.
func count(m []byte, procs, iters int64, d time.Duration, a adder) error {
	AtomicAdd(m, offJoined, 1)
	deadline := time.Now().Add(30 * time.Second)
	// Spin (yielding) rather than sleep, so that all start within
	// microseconds of the last one joining.
	for i := 0; AtomicLoad(m, offJoined) < uint64(procs); i++ {
		if i%1024 == 0 && time.Now().After(deadline) {
			return fmt.Errorf("counter: only %d of %d processes joined in 30s", AtomicLoad(m, offJoined), procs)
		}
		if i > 1<<16 {
			time.Sleep(time.Millisecond) // a slow start: stop burning the CPU
		} else {
			runtime.Gosched()
		}
	}
	n, err := addLoop(m, iters, d, a)
	atomic.AddUint64(addsWord(m), uint64(n))
	if err != nil {
		return err
	}
	cli.Fact("added", n)
	return nil
}

// addsWord is the word at offAdds.
func addsWord(m []byte) *uint64 { return (*uint64)(unsafe.Pointer(&m[offAdds])) }

// addLoop adds iters times, or when iters is 0 until d has passed (looking
// at the clock every 1024 adds), and returns how many adds it made.
func addLoop(m []byte, iters int64, d time.Duration, a adder) (int64, error) {
	end := time.Now().Add(d)
	n := int64(0)
	for ; iters == 0 || n < iters; n++ {
		if iters == 0 && n%1024 == 0 && time.Now().After(end) {
			break
		}
		if err := a.add(m); err != nil {
			return n, err
		}
	}
	return n, nil
}

// runCounters starts procs counter processes on name, each its own program
// (this one, exec'd), waits for them, and returns the counter. extra is
// added to their arguments (-plain, or -sem NAME).
func runCounters(name string, procs, iters int, extra ...string) (uint64, error) {
	var cmds []*exec.Cmd
	for i := 0; i < procs; i++ {
		args := []string{os.Args[0], "counter", name, "-procs", strconv.Itoa(procs), "-iters", strconv.Itoa(iters)}
		cmd := &exec.Cmd{Path: "/proc/self/exe", Args: append(args, extra...), Stderr: os.Stderr}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		// Interrupted, the tour kills what it started (each would otherwise
		// wait for the others at the start line, then add for nothing).
		defer cli.Made(func() { cmd.Process.Kill() })()
		cmds = append(cmds, cmd)
	}
	var errs []error
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return 0, fmt.Errorf("counter processes: %v", errs)
	}
	m, done, err := openCounter(name)
	if err != nil {
		return 0, err
	}
	defer done()
	var total uint64
	err = guardCounter(name, m, nil, func() error {
		total = AtomicLoad(m, offCounter)
		return nil
	})
	return total, err
}

func tourCounter() error {
	name := tourName("c")
	remove, err := newObject(name, 4096)
	if err != nil {
		return err
	}
	defer remove()
	const procs, iters = 4, 100000
	cli.Say("%d programs, each exec'd on its own, add 1 to a counter in the object %d", procs, iters)
	cli.Say("times each, all at once, atomically: the total is exact (同步机制).")
	total, err := runCounters(name, procs, iters)
	if err != nil {
		return err
	}
	cli.Fact("processes", procs)
	cli.Fact("counter", total)
	cli.Fact("expected", procs*iters)

	// The same with a plain load and store, on a counter set back to 0.
	const plainIters = 10000000 // long enough for the processes to overlap
	cli.Say("Again with a plain load and store (-plain), %d times each: a store", plainIters)
	cli.Say("overwrites the adds made since its load (how many: timing).")
	if err := resizeByName(name, 0); err != nil {
		return err
	}
	if err := resizeByName(name, 4096); err != nil {
		return err
	}
	if total, err = runCounters(name, procs, plainIters, "-plain"); err != nil {
		return err
	}
	cli.Fact("plain adds, expected", procs*plainIters)
	cli.Fact("plain adds, counter", total)
	return nil
}
