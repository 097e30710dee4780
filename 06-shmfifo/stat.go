//go:build linux && (amd64 || arm64)

// `shmfifo stat`: the header as it is now and the value of each semaphore,
// read without taking the mutex (course ep. 30: semctl GETVAL).

package main

import (
	"shmlab/internal/cli"
)

func statCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "stat", args, 0, 0)
		if err != nil {
			return err
		}
		fifo, err := openFifo(key)
		if err != nil {
			return err
		}
		defer fifo.Close()
		s, err := fifo.Stat()
		if err != nil {
			return cli.Sys("stat FIFO key "+KeyString(key), "shmctl", err)
		}
		printStat(fifo, s)
		return nil
	}
}

// printStat prints the header, the semaphores and, for a posix FIFO, what
// its sync area counted.
func printStat(f *Fifo, s Status) {
	cli.Fact("key", KeyString(f.Key))
	printMode(f)
	cli.Fact("blksize", s.Blksize)
	cli.Fact("blocks", s.Blocks)
	cli.Fact("rd_index", s.RdIndex)
	cli.Fact("wr_index", s.WrIndex)
	cli.Fact("filled", s.Filled)
	cli.Fact("free", s.Free)
	if s.Mutex < 0 {
		cli.Fact("mutex", "none")
	} else {
		cli.Fact("mutex", s.Mutex)
	}
	cli.Fact("nattch", s.Nattch)
	if f.Sync != "posix" {
		return
	}
	if f.SPSC {
		cli.Fact("head", s.Head)
		cli.Fact("tail", s.Tail)
	} else {
		cli.Fact("waiters", s.Waiters)
		cli.Fact("mutex owner", s.MutexOwner)
		cli.Fact("mutex owner died", cli.YesNo(s.MutexOwnerDied))
		cli.Fact("mutex taken from dead owners", s.MutexRecovered)
	}
	cli.Fact("futex waits by producers", s.Futex.PutWaits)
	cli.Fact("futex wakes by producers", s.Futex.PutWakes)
	cli.Fact("futex waits by consumers", s.Futex.GetWaits)
	cli.Fact("futex wakes by consumers", s.Futex.GetWakes)
}

// printMode prints (for stat and init) how the FIFO synchronises: sysv (the course's three
// semaphore sets) or posix, and its ring: mpmc (any number of producers and
// consumers, a mutex) or spsc (one of each, lock-free).
func printMode(f *Fifo) {
	cli.Fact("sync", f.Sync)
	if f.SPSC {
		cli.Fact("ring", "spsc")
	} else {
		cli.Fact("ring", "mpmc")
	}
}
