//go:build linux && (amd64 || arm64)

// `shmfifo get`: the course's shmfifo_get (ep. 33): take blocks and print
// each up to its first NUL (the rest of a block is padding).

package main

import (
	"bytes"
	"os"

	"shmlab/internal/cli"
)

func getCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	count := f.Int("count", 1, 0, 1<<31-1, "blocks to take; 0: no limit")
	timeout := f.Timeout(cli.Forever, "no block comes")
	until := f.String("until", "MSG", "", "stop after taking this message (not printed)")
	ready := f.Ready("the FIFO is open")
	verify := f.Bool("verify", "check each block as `verify` does (put -gen's messages) instead of printing it, then print the counts")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		fifo, err := fifoArg(k, "get", args)
		if err != nil {
			return err
		}
		defer fifo.Close()
		if err := cli.Ready(*ready); err != nil {
			return err
		}
		var d *delivery
		if *verify {
			d = newDelivery()
			defer printDelivery(d)
		}
		// One write per message, unbuffered: a consumer killed with SIGKILL
		// loses only the message it was holding, never ones it already took.
		b, last := make([]byte, fifo.Blksize), map[int]int{}
		for i := int64(0); *count == 0 || i < *count; i++ {
			if err := fifo.Receive(b, *timeout); err != nil {
				return fifoErr(fifo, "get", err, *timeout)
			}
			msg := b
			if j := bytes.IndexByte(b, 0); j >= 0 {
				msg = b[:j]
			}
			switch {
			case *until != "" && string(msg) == *until:
				return nil
			case d != nil:
				d.add(last, string(msg))
			default:
				if _, err := os.Stdout.Write(append(msg, '\n')); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// printDelivery prints what get -verify found in the blocks it took.
func printDelivery(d *delivery) {
	gaps := 0
	for _, id := range d.producers() {
		gaps += d.gaps(id)
	}
	cli.Fact("messages", d.messages)
	cli.Fact("torn", d.torn)
	cli.Fact("duplicates", d.duplicates)
	cli.Fact("out of order", d.outOfOrder)
	cli.Fact("gaps", gaps)
}
