//go:build linux && (amd64 || arm64)

// The counter experiment: processes that share nothing but a name add to one
// counter in a POSIX shared memory object.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// The object's layout: the counter at offset 0, and at offset 8 how many
// processes have joined (the start line: everyone adds at the same time).
const (
	offCounter = 0
	offJoined  = 8
	counterLen = 16
)

func runCounter(args []string) error {
	fs := cli.NewFlags("counter")
	procsArg := fs.String("procs", "1", "how many processes take part (each waits for all)")
	itersArg := fs.String("iters", "100000", "how many times this process adds 1")
	show := fs.Bool("show", false, "print the counter instead of adding")
	plain := fs.Bool("plain", false, "add with a plain load and store, not atomically (to see updates lost)")
	semName := fs.String("sem", "", "add with a plain load and store, inside sem_wait/sem_post on this named semaphore (a mutex: create it with value 1; UNP2 §13.5)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("counter", pos, 1, 1); err != nil {
		return err
	}
	procs, err := cli.ParseCount("procs", *procsArg, 1, 64)
	if err != nil {
		return err
	}
	iters, err := cli.ParseCount("iters", *itersArg, 1, 1e9)
	if err != nil {
		return err
	}
	if *plain && *semName != "" {
		return cli.Usagef("counter: -plain and -sem: choose one")
	}
	m, done, err := openCounter(pos[0])
	if err != nil {
		return err
	}
	defer done()
	if *show {
		cli.Fact("counter", AtomicLoad(m, offCounter))
		cli.Fact("processes joined", AtomicLoad(m, offJoined))
		return nil
	}
	var sem *Sem
	if *semName != "" {
		if sem, err = SemOpen(*semName, 0, 0, 0); err != nil {
			return semExplain(err)
		}
		defer SemClose(sem)
	}
	return count(m, procs, iters, *plain, sem)
}

func openCounter(name string) ([]byte, func(), error) {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return nil, nil, explain(err)
	}
	defer unix.Close(fd) // the mapping keeps the object
	st, err := Stat(fd)
	if err != nil {
		return nil, nil, err
	}
	if st.Size < counterLen {
		return nil, nil, fmt.Errorf("counter %s: the object has %d bytes, the counter needs %d (posix create NAME 4096)", name, st.Size, counterLen)
	}
	m, err := Map(fd, 0, counterLen, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return nil, nil, explain(err)
	}
	return m, func() { Unmap(m) }, nil
}

// count joins the start line, waits until procs processes are there, and
// adds 1 to the counter iters times.
func count(m []byte, procs, iters int64, plain bool, sem *Sem) error {
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
	if sem != nil {
		// The same load and store, but only one process at a time runs
		// them: the semaphore, created with value 1, is a mutex (UNP2
		// §13.5: sem_wait locks, sem_post unlocks).
		p := (*uint64)(unsafe.Pointer(&m[offCounter]))
		for i := int64(0); i < iters; i++ {
			// Bounded: a wait of a minute for a lock held for one add means
			// a lost wake-up, and should fail the run rather than hang it.
			if err := SemWait(sem, time.Minute); err != nil {
				return err
			}
			*p = *p + 1
			if err := SemPost(sem); err != nil {
				return err
			}
		}
	} else if plain {
		// Load, add, store: another process's store between our load and
		// our store is overwritten, and its adds are lost.
		p := (*uint64)(unsafe.Pointer(&m[offCounter]))
		for i := int64(0); i < iters; i++ {
			*p = *p + 1
		}
	} else {
		for i := int64(0); i < iters; i++ {
			AtomicAdd(m, offCounter, 1)
		}
	}
	cli.Fact("added", iters)
	return nil
}

// runCounters starts procs counter processes on name, each its own program
// (this one, exec'd), waits for them, and returns the counter.
// With sem, each adds with a plain load and store inside sem_wait/sem_post.
func runCounters(name string, procs, iters int, plain bool, sem string) (uint64, error) {
	var cmds []*exec.Cmd
	for i := 0; i < procs; i++ {
		args := []string{os.Args[0], "counter", name, "-procs", strconv.Itoa(procs), "-iters", strconv.Itoa(iters)}
		if plain {
			args = append(args, "-plain")
		}
		if sem != "" {
			args = append(args, "-sem", sem)
		}
		cmd := &exec.Cmd{Path: "/proc/self/exe", Args: args}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
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
	return AtomicLoad(m, offCounter), nil
}

func tourCounter() error {
	name := tourName("c")
	defer ShmUnlink(name)
	if err := newObject(name, 4096); err != nil {
		return err
	}
	const procs, iters = 4, 100000
	cli.Say("Shared memory is the fastest IPC because nothing is copied, and so nothing")
	cli.Say("is ordered either (the notes: it needs synchronisation, 同步机制). %d programs,", procs)
	cli.Say("each started on its own (exec, no memory inherited), open the object by name")
	cli.Say("and add 1 to a counter in it %d times each, all at once. The add is atomic,", iters)
	cli.Say("so the total is exact.")
	total, err := runCounters(name, procs, iters, false, "")
	if err != nil {
		return err
	}
	cli.Fact("processes", procs)
	cli.Fact("counter", total)
	cli.Fact("expected", procs*iters)
	const plainIters = 10000000 // long enough for the processes to overlap
	cli.Say("The same, %d times each, with a plain load and store (-plain) instead of", plainIters)
	cli.Say("the atomic add: a process's store can overwrite the adds another made since")
	cli.Say("its load, and those are lost. How many depends on timing: the count changes")
	cli.Say("from run to run (it is printed, not checked).")
	if err := resizeByName(name, 0); err != nil {
		return err
	}
	if err := resizeByName(name, 4096); err != nil {
		return err
	}
	total, err = runCounters(name, procs, plainIters, true, "")
	if err != nil {
		return err
	}
	cli.Fact("plain adds, expected", procs*plainIters)
	cli.Fact("plain adds, counter", total)
	return nil
}
