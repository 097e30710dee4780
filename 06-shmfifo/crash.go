//go:build linux && (amd64 || arm64)

// `shmfifo crash`: producers and consumers, each a separate process, killed
// with SIGKILL at random moments while they run, then replaced; at the end
// the driver checks what the consumers printed. The random moments are the
// point: nothing here orders processes by sleeping.

package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"syscall"
	"time"

	"shmlab/internal/cli"
)

const crashEnd = "END"

func crashCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	kills := f.Int("kills", 16, 1, 1<<20, "SIGKILLs to deliver")
	count := f.Int("count", 200, 1, 1<<20, "messages each producer puts (at most 1M: each must finish within -timeout)")
	seed := f.Int("seed", 0, 0, 1<<63-1, "random seed (0: pick one; printed, so that a run can be repeated)")
	np := f.Int("producers", 2, 1, 64, "producers running at once")
	nc := f.Int("consumers", 2, 1, 64, "consumers running at once")
	timeout := f.Timeout(20*time.Second, "a process (or the driver's END) makes no progress: a deadlock")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "crash", args, 0, 0)
		if err != nil {
			return err
		}
		if *timeout <= 0 {
			return cli.Usagef("crash: -timeout %v: the deadlock detector needs a bound above 0", *timeout)
		}
		fifo, err := openFifo(key)
		if err != nil {
			return err
		}
		defer fifo.Close()
		c := &crash{f: fifo, key: KeyString(key), count: int(*count), np: int(*np), nc: int(*nc),
			kills: int(*kills), timeout: *timeout, nextID: 1, killedIDs: map[int]bool{}}
		if err := c.fits(); err != nil {
			return err
		}
		// The seed first, so that a failing run can be repeated.
		if *seed == 0 {
			*seed = rand.Int64N(1<<63-1) + 1
		}
		cli.Fact("seed", *seed)
		c.rng = rand.New(rand.NewPCG(uint64(*seed), 0x5eed))
		defer c.stopAll()
		return c.run()
	}
}

// crash is one run: the FIFO, the children ever started, the ones running
// now (slots: producers first), and what was killed.
type crash struct {
	f                    *Fifo
	key                  string
	count, np, nc, kills int
	timeout              time.Duration // a wait longer than this is a deadlock
	rng                  *rand.Rand
	all, slots           []*child
	nextID               int
	killedIDs            map[int]bool
	pKills, cKills       int
}

// fits refuses a FIFO the run cannot account for.
func (c *crash) fits() error {
	f := c.f
	if f.Blksize < genMinBlksize {
		return fmt.Errorf("crash: blksize %d is too small for generated messages (at least %d)", f.Blksize, genMinBlksize)
	}
	if f.SPSC && (c.np != 1 || c.nc != 1) {
		return cli.Usagef("crash: an SPSC ring has one producer and one consumer: use -producers 1 -consumers 1")
	}
	// Each kill may cost the ring one block for good; keep at least one.
	if c.kills >= f.Blocks {
		return cli.Usagef("crash: -kills %d: the FIFO has %d blocks; each kill may take one for good, so use fewer kills or more blocks", c.kills, f.Blocks)
	}
	// The accounting assumes the run starts from an empty ring.
	s, err := f.Stat()
	if err != nil {
		return cli.Sys("stat FIFO key "+c.key, "shmctl", err)
	}
	if s.Filled != 0 || s.Free != f.Blocks || (s.Mutex != 1 && !f.SPSC) || s.RdIndex != s.WrIndex {
		return fmt.Errorf("crash: FIFO key %s is not fresh (filled %d, free %d of %d, mutex %d): destroy it and init it again",
			c.key, s.Filled, s.Free, f.Blocks, s.Mutex)
	}
	return nil
}

// run starts the children, kills at random, lets the survivors finish and
// reports.
func (c *crash) run() error {
	for i := 0; i < c.np+c.nc; i++ {
		ch, err := c.start(i >= c.np)
		if err != nil {
			return err
		}
		c.slots = append(c.slots, ch)
	}
	for c.pKills+c.cKills < c.kills {
		if err := c.killOne(); err != nil {
			return err
		}
	}
	deadlock, err := c.finish()
	if err != nil {
		return err
	}
	c.stopAll()
	return c.report(deadlock)
}

// start starts a new producer (with the next id) or consumer.
func (c *crash) start(consumer bool) (*child, error) {
	var ch *child
	var err error
	if consumer {
		ch, err = startConsumer(c.key, c.timeout)
	} else {
		ch, err = startProducer(c.key, c.nextID, c.count, c.timeout)
		c.nextID++
	}
	if err == nil {
		c.all = append(c.all, ch)
	}
	return ch, err
}

// killOne waits a random moment, picks a child at random and kills it
// (or replaces a producer that finished), starting another in its slot.
func (c *crash) killOne() error {
	time.Sleep(time.Duration(c.rng.IntN(3000)) * time.Microsecond)
	i := c.rng.IntN(len(c.slots))
	ch := c.slots[i]
	switch {
	case !ch.consumer && ch.finished() && ch.err != nil:
		return fmt.Errorf("crash: producer %d failed: %v", ch.id, ch.err)
	case ch.consumer && ch.finished():
		return fmt.Errorf("crash: a consumer ended on its own: %v", ch.err)
	case ch.finished():
		// A producer that is done: a new one takes its slot.
	case !ch.kill():
		return nil // it finished just before the signal
	case ch.consumer:
		c.cKills++
	default:
		c.pKills++
		c.killedIDs[ch.id] = true
	}
	var err error
	c.slots[i], err = c.start(ch.consumer)
	return err
}

// finish lets the producers finish, then tells the consumers to stop. It
// reports a deadlock if anything waits for more than -timeout.
func (c *crash) finish() (deadlock bool, err error) {
	for _, ch := range c.slots[:c.np] {
		if !ch.wait(c.timeout) {
			return true, nil
		}
		if ch.err != nil {
			return false, fmt.Errorf("crash: producer %d failed: %v", ch.id, ch.err)
		}
	}
	// One END per consumer, plus one per kill: a block a killed process left
	// uncounted is delivered one put late, so the last few puts may never be
	// counted; the extra ENDs are what stays behind.
	for range c.nc + c.kills {
		if err := c.f.Send([]byte(crashEnd), c.timeout); err != nil {
			return true, nil
		}
	}
	for _, ch := range c.slots[c.np:] {
		if !ch.wait(c.timeout) {
			return true, nil
		}
	}
	return false, nil
}

// report checks what every consumer printed, killed ones included, and
// what the FIFO's semaphores say now.
func (c *crash) report(deadlock bool) error {
	var out [][]string
	for _, ch := range c.all {
		if ch.consumer {
			out = append(out, ch.lines)
		}
	}
	d := check(out)
	// Lost: below a producer's highest delivered message, and after it for
	// a producer that was not killed.
	lost := 0
	for id := 1; id < c.nextID; id++ {
		lost += d.gaps(id)
		if !c.killedIDs[id] {
			lost += c.count - d.maxSeq[id]
		}
	}
	cli.Fact("kills", c.pKills+c.cKills)
	cli.Fact("producers killed", c.pKills)
	cli.Fact("consumers killed", c.cKills)
	cli.Fact("messages delivered", d.messages)
	cli.Fact("torn blocks", d.torn)
	cli.Fact("duplicates", d.duplicates)
	cli.Fact("out of order", d.outOfOrder)
	cli.Fact("lost", lost)
	cli.Fact("lost at most one per killed consumer", cli.YesNo(lost <= c.cKills))
	cli.Fact("deadlock", cli.YesNo(deadlock))
	return c.reportFifo()
}

// reportFifo prints what the kills left in the FIFO's counts.
func (c *crash) reportFifo() error {
	s, err := c.f.Stat()
	if err != nil {
		return cli.Sys("stat FIFO key "+c.key, "shmctl", err)
	}
	if c.f.SPSC {
		cli.Fact("mutex after", "none")
	} else {
		cli.Fact("mutex after", s.Mutex)
	}
	if c.f.Sync == "posix" && !c.f.SPSC {
		// How many kills landed inside the mutex: the robust list gave it
		// back each time (no fixed count: the kills land where they land).
		cli.Fact("mutex taken from dead owners", s.MutexRecovered)
	}
	// With free F, filled G and N blocks, N - F - G counts the kills that
	// landed between a put's P(free) and its V(filled), or a get's P(filled)
	// and its V(free): each keeps one block out of both counts for good, so
	// there are at most as many as kills. Those after a put moved wr_index
	// (or before a get moved rd_index) left a block in the ring that filled
	// does not count: delivered one put late, the last one never.
	lost := c.f.Blocks - s.Free - s.Filled
	ring := (int(s.WrIndex) - int(s.RdIndex) + c.f.Blocks) % c.f.Blocks
	if ring < s.Filled {
		ring += c.f.Blocks // rd_index = wr_index and blocks filled: a full ring
	}
	delayed := ring - s.Filled
	cli.Fact("blocks counted by neither free nor filled", lost)
	cli.Fact("capacity lost at most one block per kill", cli.YesNo(lost >= 0 && lost <= c.pKills+c.cKills))
	cli.Fact("blocks in the ring that filled does not count", delayed)
	cli.Fact("those are among the blocks lost", cli.YesNo(delayed >= 0 && delayed <= lost))
	return nil
}

// stopAll kills and reaps every child still running.
func (c *crash) stopAll() {
	for _, ch := range c.all {
		if !ch.finished() {
			ch.cmd.Process.Signal(syscall.SIGKILL)
			<-ch.done
		}
	}
}

// startProducer starts `put -gen id -count count`.
func startProducer(key string, id, count int, timeout time.Duration) (*child, error) {
	cmd := self("put", "-key", key, "-gen", strconv.Itoa(id), "-count", strconv.Itoa(count), "-timeout", timeout.String())
	return startChild(cmd, false, id)
}

// startConsumer starts `get -count 0 -until END`.
func startConsumer(key string, timeout time.Duration) (*child, error) {
	cmd := self("get", "-key", key, "-count", "0", "-until", crashEnd, "-timeout", timeout.String())
	return startChild(cmd, true, 0)
}
