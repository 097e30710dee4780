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
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "get", args, 0, 0)
		if err != nil {
			return err
		}
		fifo, err := openFifo(key)
		if err != nil {
			return err
		}
		defer fifo.Close()
		if err := cli.Ready(*ready); err != nil {
			return err
		}
		// One write per message, unbuffered: a consumer killed with SIGKILL
		// loses only the message it was holding, never ones it already took.
		b := make([]byte, fifo.Blksize)
		for i := int64(0); *count == 0 || i < *count; i++ {
			if err := fifo.Receive(b, *timeout); err != nil {
				return fifoErr(fifo, "get", err, *timeout)
			}
			msg := b
			if j := bytes.IndexByte(b, 0); j >= 0 {
				msg = b[:j]
			}
			if *until != "" && string(msg) == *until {
				return nil
			}
			if _, err := os.Stdout.Write(append(msg, '\n')); err != nil {
				return err
			}
		}
		return nil
	}
}
