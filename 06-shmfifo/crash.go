//go:build linux && (amd64 || arm64)

// `shmfifo crash`: producers and consumers, each a separate process, killed
// with SIGKILL at random moments while they run, then replaced; at the end
// the driver checks what the consumers printed. The random moments are the
// point: nothing here orders processes by sleeping.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"shmlab/internal/cli"
)

const crashEnd = "END"

// child is one producer or consumer process of the crash run.
type child struct {
	cmd      *exec.Cmd
	consumer bool
	id       int      // producer id
	lines    []string // what a consumer printed, complete once done is closed
	done     chan struct{}
	err      error
}

func (c *child) finished() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func startProducer(key string, id, count int) (*child, error) {
	c := &child{id: id, done: make(chan struct{})}
	c.cmd = self("put", key, "-gen", strconv.Itoa(id), "-count", strconv.Itoa(count), "-timeout", "20s")
	c.cmd.Stdout = io.Discard
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	return c, nil
}

func startConsumer(key string) (*child, error) {
	c := &child{consumer: true, done: make(chan struct{})}
	c.cmd = self("get", key, "-n", "0", "-until", crashEnd, "-timeout", "20s")
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines = append(c.lines, sc.Text())
		}
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// kill sends SIGKILL and reports whether the signal is what ended the child
// (it may have finished just before).
func (c *child) kill() bool {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	return false
}

func runCrash(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("crash")
	kf.register(fs)
	kills := fs.Int("kills", 16, "SIGKILLs to deliver")
	count := fs.Int("count", 200, "messages each producer puts")
	seed := fs.Uint64("seed", 0, "random seed (0: pick one; printed so a run can be repeated)")
	np := fs.Int("producers", 2, "producers running at once")
	nc := fs.Int("consumers", 2, "consumers running at once")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("crash", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("crash", pos, 0, 0); err != nil {
		return err
	}
	if *kills < 1 || *count < 1 || *np < 1 || *nc < 1 {
		return cli.Usagef("crash: -kills, -count, -producers and -consumers must be at least 1")
	}
	f, err := Open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Blksize < genMinBlksize {
		return fmt.Errorf("crash: blksize %d is too small for generated messages (at least %d)", f.Blksize, genMinBlksize)
	}
	if f.SPSC && (*np != 1 || *nc != 1) {
		return cli.Usagef("crash: an SPSC ring has one producer and one consumer: use -producers 1 -consumers 1")
	}
	// Each kill may cost the ring one block for good (see the README); keep
	// at least one.
	if *kills >= f.Blocks {
		return cli.Usagef("crash: -kills %d: the FIFO has %d blocks; each kill may take one for good, so use fewer kills or more blocks", *kills, f.Blocks)
	}
	// The accounting below assumes the run starts from an empty ring.
	if s, err := f.Stat(); err != nil {
		return err
	} else if s.Filled != 0 || s.Free != f.Blocks || (s.Mutex != 1 && !f.SPSC) || s.RdIndex != s.WrIndex {
		return fmt.Errorf("crash: FIFO key %s is not fresh (filled %d, free %d of %d, mutex %d): destroy it and init it again",
			KeyString(key), s.Filled, s.Free, f.Blocks, s.Mutex)
	}
	if *seed == 0 {
		*seed = rand.Uint64()
	}
	rng := rand.New(rand.NewPCG(*seed, 0x5eed))
	cli.Fact("seed", *seed)
	ks := KeyString(key)

	var (
		all       []*child // every child ever started
		slots     []*child // the ones running now: producers first
		nextID    = 1
		killedIDs = map[int]bool{}
		pKills    int
		cKills    int
	)
	stopAll := func() {
		for _, c := range all {
			if !c.finished() {
				c.cmd.Process.Signal(syscall.SIGKILL)
				<-c.done
			}
		}
	}
	defer stopAll()
	newProducer := func() (*child, error) {
		c, err := startProducer(ks, nextID, *count)
		nextID++
		if err == nil {
			all = append(all, c)
		}
		return c, err
	}
	newConsumer := func() (*child, error) {
		c, err := startConsumer(ks)
		if err == nil {
			all = append(all, c)
		}
		return c, err
	}
	for range *np {
		c, err := newProducer()
		if err != nil {
			return err
		}
		slots = append(slots, c)
	}
	for range *nc {
		c, err := newConsumer()
		if err != nil {
			return err
		}
		slots = append(slots, c)
	}

	// phase: kill at random moments, replacing each victim.
	for pKills+cKills < *kills {
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		i := rng.IntN(len(slots))
		c := slots[i]
		if !c.consumer && c.finished() {
			if c.err != nil {
				return fmt.Errorf("crash: producer %d failed: %v", c.id, c.err)
			}
			if slots[i], err = newProducer(); err != nil {
				return err
			}
			continue
		}
		if c.consumer && c.finished() {
			return fmt.Errorf("crash: a consumer ended on its own: %v", c.err)
		}
		if !c.kill() {
			continue // it finished just before the signal
		}
		if c.consumer {
			cKills++
			slots[i], err = newConsumer()
		} else {
			pKills++
			killedIDs[c.id] = true
			slots[i], err = newProducer()
		}
		if err != nil {
			return err
		}
	}

	// phase: let the producers finish, then tell the consumers to stop.
	deadlock := false
	wait := func(c *child) bool {
		select {
		case <-c.done:
			return true
		case <-time.After(20 * time.Second):
			return false
		}
	}
	for _, c := range slots[:*np] {
		if !wait(c) || c.err != nil {
			deadlock = deadlock || !c.finished()
			if c.finished() {
				return fmt.Errorf("crash: producer %d failed: %v", c.id, c.err)
			}
		}
	}
	// One END per consumer, plus one per kill: a block a killed process left
	// uncounted is delivered one put late, so the last few puts may never be
	// counted; the extra ENDs are what stays behind.
	if !deadlock {
		for range *nc + *kills {
			if err := f.Put([]byte(crashEnd), 20*time.Second); err != nil {
				deadlock = true
				break
			}
		}
	}
	for _, c := range slots[*np:] {
		if deadlock || !wait(c) {
			deadlock = true
			break
		}
	}
	stopAll()

	// phase: check what every consumer printed, killed ones included.
	var out [][]string
	for _, c := range all {
		if c.consumer {
			out = append(out, c.lines)
		}
	}
	d := check(out)
	lost := 0
	for id := 1; id < nextID; id++ {
		lost += d.gaps(id)
		if !killedIDs[id] {
			lost += *count - d.maxSeq[id]
		}
	}
	cli.Fact("kills", pKills+cKills)
	cli.Fact("producers killed", pKills)
	cli.Fact("consumers killed", cKills)
	cli.Fact("messages delivered", d.messages)
	cli.Fact("torn blocks", d.torn)
	cli.Fact("duplicates", d.duplicates)
	cli.Fact("out of order", d.outOfOrder)
	cli.Fact("lost", lost)
	cli.Fact("lost at most one per killed consumer", cli.YesNo(lost <= cKills))
	cli.Fact("deadlock", cli.YesNo(deadlock))
	s, err := f.Stat()
	if err != nil {
		return err
	}
	if f.SPSC {
		cli.Fact("mutex after", "none")
	} else {
		cli.Fact("mutex after", s.Mutex)
	}
	if f.Sync == "posix" && !f.SPSC {
		// How many kills landed inside the mutex: the robust list gave it
		// back each time (no fixed count: the kills land where they land).
		cli.Fact("mutex taken from dead owners", s.MutexRecovered)
	}
	cli.Fact("blocks counted by neither free nor filled", f.Blocks-s.Free-s.Filled)
	return nil
}
