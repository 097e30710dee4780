//go:build linux && (amd64 || arm64)

// `shmfifo demo`: the course's shmfifo at work (ep. 33): a consumer process
// and a producer process pass six messages through four blocks, ordered by
// the semaphores alone.

package main

import (
	"fmt"
	"io"
	"strings"

	"shmlab/internal/cli"
)

func demoCmd(f *cli.Flags) cli.Action {
	hold := f.Hold("the FIFO (after the run, before destroy)")
	ready := f.Ready("the run is over, before destroy")
	return func([]string) error { return demo(*hold, *ready) }
}

func tourDemo() error { return demo(false, "") }

func demo(hold bool, ready string) error {
	cli.Say("init: one segment holds a 16-byte header (blksize, blocks, rd_index,")
	cli.Say("wr_index) and 4 blocks of 32 bytes; three semaphore sets count: mutex = 1,")
	cli.Say("free blocks = 4, filled blocks = 0.")
	// init: a FIFO of 4 blocks at a free key.
	// Removed at the end, on every error path, and when interrupted.
	f, destroy, err := ownFifo("sysv", 32, 4)
	if err != nil {
		return err
	}
	key := KeyString(f.Key)
	defer destroy()
	defer f.Close()
	cli.Fact("key", key)
	if err := statFacts(f, "filled", "free", "mutex"); err != nil {
		return err
	}
	cli.Say("A consumer process takes 6 blocks, waiting in P(filled) whenever none is")
	cli.Say("there; a producer process puts 6 messages into the 4 blocks, waiting in")
	cli.Say("P(free) whenever the ring is full (the indices wrap around).")
	if err := demoProcesses(key); err != nil {
		return err
	}
	cli.Say("After 6 puts and 6 gets both indices went round once and stopped at 6 mod 4:")
	if err := statFacts(f, "rd_index", "wr_index", "filled", "free", "mutex"); err != nil {
		return err
	}
	// Held (-hold) for ipcs and stat to look at, then destroy: the segment
	// and the three sets.
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if hold {
		cli.Hold()
	}
	cli.Say("destroy: shmctl(IPC_RMID) and semctl(IPC_RMID) on the three sets.")
	f.Close()
	removed, err := destroy()
	if err != nil {
		return err
	}
	cli.Fact("removed", fmt.Sprintf("%d objects", removed))
	return nil
}

// demoProcesses runs a consumer first (it waits), then a producer, two
// processes, and prints what the consumer got.
func demoProcesses(key string) error {
	cons := self("get", "-key", key, "-count", "6")
	var got strings.Builder
	cons.Stdout = &got
	if err := cons.Start(); err != nil {
		return err
	}
	prod := self("put", "-key", key, "one", "two", "three", "four", "five", "six")
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
