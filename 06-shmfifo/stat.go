//go:build linux && (amd64 || arm64)

// `shmfifo stat`: the header as it is now, the value of each semaphore and
// who waits on it, read without taking the mutex (course ep. 30: semctl
// GETVAL, GETNCNT, IPC_STAT). With -until it waits until one of those lines
// is true: how a scenario (or a shell) waits for a process to be asleep in
// the FIFO without guessing a time.

package main

import (
	"fmt"
	"strings"
	"time"

	"shmlab/internal/cli"
)

func statCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	until := f.String("until", "LINE", "", "look again until stat prints this line (e.g. 'waiting for filled: 1'), then print")
	timeout := f.Timeout(10*time.Second, "-until's line does not come")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		fifo, err := fifoArg(k, "stat", args)
		if err != nil {
			return err
		}
		defer fifo.Close()
		// Look until the line is there (once, without -until).
		start := time.Now()
		for delay := time.Millisecond; ; delay = min(2*delay, 20*time.Millisecond) {
			s, err := fifo.Stat()
			if err != nil {
				return cli.Sys("stat FIFO key "+KeyString(fifo.Key), "shmctl", err)
			}
			facts := statLines(fifo, s)
			if *until == "" || hasLine(facts, *until) {
				printFacts(facts)
				return nil
			}
			if *timeout >= 0 && time.Since(start) >= *timeout {
				printFacts(facts)
				return fmt.Errorf("stat FIFO key %s: no line %q within %v", KeyString(fifo.Key), *until, *timeout)
			}
			time.Sleep(delay)
		}
	}
}

// fact is one `name: value` line of stat.
type fact struct {
	name  string
	value any
}

func (x fact) String() string { return fmt.Sprintf("%s: %v", x.name, x.value) }

func hasLine(facts []fact, line string) bool {
	for _, x := range facts {
		if x.String() == strings.TrimSpace(line) {
			return true
		}
	}
	return false
}

func printFacts(facts []fact) {
	for _, x := range facts {
		cli.Fact(x.name, x.value)
	}
}

// printStat prints what statLines gives.
func printStat(f *Fifo, s Status) { printFacts(statLines(f, s)) }

// statLines is the header, the semaphores, who waits where, the modes the
// kernel keeps and, for a posix FIFO, what its sync area counted.
func statLines(f *Fifo, s Status) []fact {
	mutex := any(s.Mutex)
	if s.Mutex < 0 {
		mutex = "none"
	}
	x := append([]fact{{"key", KeyString(f.Key)}}, modeFacts(f)...)
	x = append(x, []fact{{"blksize", s.Blksize}, {"blocks", s.Blocks}, {"rd_index", s.RdIndex}, {"wr_index", s.WrIndex},
		{"filled", s.Filled}, {"free", s.Free}, {"mutex", mutex}, {"nattch", s.Nattch},
		{"segment mode", fmt.Sprintf("%04o", s.Mode)}}...)
	switch {
	case f.Sync != "posix":
		return append(x, fact{"mutex set id", f.Mutex}, fact{"free set id", f.Free}, fact{"filled set id", f.Filled},
			fact{"semaphore set modes", fmt.Sprintf("%04o %04o %04o", s.SemModes[0], s.SemModes[1], s.SemModes[2])},
			fact{"waiting for the mutex", s.Waiting[0]}, fact{"waiting for free", s.Waiting[1]}, fact{"waiting for filled", s.Waiting[2]})
	case f.SPSC:
		x = append(x, fact{"head", s.Head}, fact{"tail", s.Tail},
			fact{"producer waiting", cli.YesNo(s.ProdWaiting)}, fact{"consumer waiting", cli.YesNo(s.ConsWaiting)})
	default:
		x = append(x, fact{"waiters", s.Waiters}, fact{"waiting for free", s.Waiting[1]}, fact{"waiting for filled", s.Waiting[2]},
			fact{"mutex waiters flagged", cli.YesNo(s.MutexWaiters)},
			fact{"mutex owner", s.MutexOwner}, fact{"mutex owner died", cli.YesNo(s.MutexOwnerDied)},
			fact{"mutex taken from dead owners", s.MutexRecovered})
	}
	return append(x, fact{"futex waits by producers", s.Futex.PutWaits}, fact{"futex wakes by producers", s.Futex.PutWakes},
		fact{"futex waits by consumers", s.Futex.GetWaits}, fact{"futex wakes by consumers", s.Futex.GetWakes})
}

// modeFacts says (for stat and init) how the FIFO synchronises: sysv (the
// course's three semaphore sets) or posix, and its ring: mpmc (any number
// of producers and consumers, a mutex) or spsc (one of each, lock-free).
func modeFacts(f *Fifo) []fact {
	ring := "mpmc"
	if f.SPSC {
		ring = "spsc"
	}
	return []fact{{"sync", f.Sync}, {"ring", ring}}
}

// printMode prints modeFacts.
func printMode(f *Fifo) { printFacts(modeFacts(f)) }
