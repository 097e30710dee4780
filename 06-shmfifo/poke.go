//go:build linux && (amd64 || arm64)

// `shmfifo poke`: a tool that plays the buggy process: it writes a header
// field with no lock and no check (corrupt_header shows what the readers of
// the header do about it), or the lock word of a -sync posix FIFO's mutex:
// a pid there that no robust list names is what a crashed peer without
// one leaves behind (mutex_dead_owner_posix).

package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

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
		if _, ok := headerFields[field]; !ok && field != "mutex" {
			return cli.Usagef("poke: field %q: want blksize, blocks, rd_index, wr_index or mutex", field)
		}
		val, err := cli.ParseCount("value", pos[1], 0, 1<<32-1)
		if err != nil {
			return err
		}
		// Attach without Open's checks: they would refuse a header already
		// scribbled on.
		fifo, err := attachUnchecked(key)
		if errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("poke FIFO key %s: %s: not a FIFO (%s): left alone", KeyString(key), whatIsAt(key), stateReason(err))
		}
		if err != nil {
			return cli.Sys("poke FIFO key "+KeyString(key), "shmget", err)
		}
		defer fifo.Close()
		// Scribble only on a FIFO: the header may be broken already, but
		// the sets or the sync area must say this segment is one.
		kind := kindOf(fifo)
		if kind == "" {
			return fmt.Errorf("poke FIFO key %s: %s: not a FIFO (no three one-semaphore sets, no sync area): left alone",
				KeyString(key), whatIsAt(key))
		}
		if field == "mutex" {
			err = pokeMutex(fifo, kind, uint32(val))
		} else {
			err = fifo.Poke(field, uint32(val))
		}
		if err != nil {
			return fmt.Errorf("poke FIFO key %s: %w", KeyString(key), err)
		}
		cli.Fact(field, val)
		return nil
	}
}

// pokeMutex writes the lock word of the mutex of a -sync posix FIFO (one
// atomic store, nothing else of the pthread_mutex_t): the owner's pid, with
// FUTEX_WAITERS (0x80000000) or FUTEX_OWNER_DIED (0x40000000) if VALUE has
// them.
func pokeMutex(f *Fifo, kind string, v uint32) error {
	off, mode, _ := syncArea(f.mem)
	if kind != "posix" || mode != modeSem {
		return fmt.Errorf("field mutex: only a -sync posix FIFO with -ring mpmc has a futex mutex in its segment")
	}
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&f.mem[off+offMutex])), v)
	return nil
}

// kindOf tells what an attached segment is without trusting its header:
// "sysv" when the three one-semaphore sets are at Key, Key+1 and Key+2 (a
// message cannot make them), "posix" when there are none and the sync area's
// magic word ends the segment, "" for anything else.
func kindOf(f *Fifo) string {
	switch sets := setsAt(f.Key); {
	case sets == [3]int{1, 1, 1}:
		return "sysv"
	case sets != [3]int{-1, -1, -1}:
		return ""
	}
	if _, _, ok := syncArea(f.mem); ok {
		return "posix"
	}
	return ""
}
