//go:build linux && (amd64 || arm64)

// `shmfifo poke`: a tool that plays the buggy process: it writes a header
// field with no lock and no check (corrupt_header shows what the readers of
// the header do about it).

package main

import (
	"shmlab/internal/cli"
)

func pokeCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	f.Args(2, 3) // [KEY] FIELD VALUE
	return func(args []string) error {
		key, pos, err := fifoKey(k, "poke", args, 2, 2)
		if err != nil {
			return err
		}
		field := pos[0]
		if _, ok := headerFields[field]; !ok {
			return cli.Usagef("poke: field %q: want blksize, blocks, rd_index or wr_index", field)
		}
		val, err := cli.ParseCount("value", pos[1], 0, 1<<32-1)
		if err != nil {
			return err
		}
		// Attach without Open's checks: they would refuse a header already
		// scribbled on.
		fifo, err := attachUnchecked(key)
		if err != nil {
			return cli.Sys("poke FIFO key "+KeyString(key), "shmget", err)
		}
		defer fifo.Close()
		fifo.Poke(field, uint32(val))
		cli.Fact(field, val)
		return nil
	}
}
