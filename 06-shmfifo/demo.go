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
	return func([]string) error { return tourDemo() }
}

func tourDemo() error {
	cli.Say("init: one segment holds a 16-byte header (blksize, blocks, rd_index,")
	cli.Say("wr_index) and 4 blocks of 32 bytes; three semaphore sets count: mutex = 1,")
	cli.Say("free blocks = 4, filled blocks = 0.")
	// init: a FIFO of 4 blocks at a free key.
	f, err := privateFifo("sysv", 32, 4)
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
	// A consumer first (it waits), then a producer, two processes.
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
	// What the consumer printed, and the ring as they left it.
	for _, l := range strings.Split(strings.TrimSpace(got.String()), "\n") {
		cli.Fact("consumer got", l)
	}
	cli.Say("After 6 puts and 6 gets both indices went round once and stopped at 6 mod 4:")
	if err := statFacts(f, "rd_index", "wr_index", "filled", "free", "mutex"); err != nil {
		return err
	}
	// destroy: the segment and the three sets.
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
