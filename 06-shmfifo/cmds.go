//go:build linux && (amd64 || arm64)

// The FIFO's commands: init, put, get, stat, destroy, and the tools poke and
// lock. Each is one small program in the manner of TLPI's examples; the
// system calls are in lab.go.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func runInit(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("init")
	kf.register(fs)
	blksize := fs.String("blksize", "", "bytes per block (one message)")
	blocks := fs.String("blocks", "", "blocks in the ring")
	mode := fs.String("mode", "0600", "permission bits of the segment and the semaphore sets")
	syncMode := fs.String("sync", "sysv", "sysv: the course's three semaphore sets; posix: futex-based, in the segment")
	ring := fs.String("ring", "mpmc", "with -sync posix: mpmc (semaphores, any number of each side) or spsc (one producer, one consumer, lock-free)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("init", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("init", pos, 0, 0); err != nil {
		return err
	}
	if *blksize == "" || *blocks == "" {
		return cli.Usagef("init: -blksize and -blocks are required")
	}
	// blksize and blocks are uint32 in the header; blocks is also the start
	// value of a semaphore (at most SEMVMX), which the kernel checks itself.
	bs, err := cli.ParseCount("blksize", *blksize, 1, 1<<32-1)
	if err != nil {
		return err
	}
	n, err := cli.ParseCount("blocks", *blocks, 1, 1<<32-1)
	if err != nil {
		return err
	}
	perm, err := cli.ParseMode(*mode)
	if err != nil {
		return err
	}
	if *syncMode != "sysv" && *syncMode != "posix" {
		return cli.Usagef("init: -sync %q: want sysv or posix", *syncMode)
	}
	if *ring != "mpmc" && *ring != "spsc" {
		return cli.Usagef("init: -ring %q: want mpmc or spsc", *ring)
	}
	if *ring == "spsc" && *syncMode != "posix" {
		return cli.Usagef("init: -ring spsc needs -sync posix (the course's layout has no ring counters)")
	}
	var f *Fifo
	var created bool
	if *syncMode == "posix" {
		f, created, err = InitPosix(key, int(bs), int(n), perm, *ring == "spsc")
	} else {
		f, created, err = Init(key, int(bs), int(n), perm)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if !created && f.Sync != *syncMode {
		return cli.SysHint("init FIFO key "+KeyString(key), "shmget", unix.EEXIST,
			fmt.Sprintf("a FIFO with %s is there (remove it first: shmfifo destroy %s)", f.describe(), KeyString(key)))
	}
	if created {
		trackFifo(f)
	}
	cli.Fact("key", KeyString(key))
	cli.Fact("created", cli.YesNo(created))
	cli.Fact("blksize", f.Blksize)
	cli.Fact("blocks", f.Blocks)
	cli.Fact("segment size", len(f.mem))
	printMode(f)
	return nil
}

// trackFifo records the four objects of a FIFO this process made, so that a
// scenario's cleanup removes them even if it fails before `destroy`.
func trackFifo(f *Fifo) {
	track.Shm(f.ShmID, f.Key)
	if f.Sync == "posix" {
		return // no semaphore sets
	}
	track.Sem(f.Mutex, f.Key)
	track.Sem(f.Free, f.Key+1)
	track.Sem(f.Filled, f.Key+2)
}

func parseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, cli.Usagef("timeout %q: want a positive duration such as 200ms or 5s", s)
	}
	return d, nil
}

func runPut(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("put")
	kf.register(fs)
	timeout := fs.String("timeout", "", "give up when a block or the mutex does not come within this time")
	gen := fs.Int("gen", 0, "put generated, checkable messages as producer ID")
	count := fs.String("count", "", "how many messages -gen puts")
	ready := fs.String("ready", "", "write this file once the first message is in")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, msgs, err := kf.key("put", pos)
	if err != nil {
		return err
	}
	d, err := parseTimeout(*timeout)
	if err != nil {
		return err
	}
	var n int64
	if *gen != 0 || *count != "" {
		if *gen < 1 || len(msgs) > 0 {
			return cli.Usagef("put: -gen ID (ID >= 1) and -count N go together, without messages")
		}
		if n, err = cli.ParseCount("count", *count, 1, 1<<31-1); err != nil {
			return err
		}
	}
	f, err := Open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	put := 0
	send := func(m []byte) error {
		if len(m) > f.Blksize {
			return fmt.Errorf("put into FIFO key %s: message %d is %d bytes, a block holds %d", KeyString(key), put+1, len(m), f.Blksize)
		}
		if err := f.Put(m, d); err != nil {
			return err
		}
		put++
		if put == 1 {
			return cli.Ready(*ready)
		}
		return nil
	}
	switch {
	case n > 0:
		if f.Blksize < genMinBlksize {
			return fmt.Errorf("put -gen: blksize %d is too small for generated messages (at least %d)", f.Blksize, genMinBlksize)
		}
		for seq := 1; seq <= int(n); seq++ {
			if err := send(genMessage(*gen, seq, f.Blksize)); err != nil {
				return err
			}
		}
	case len(msgs) > 0:
		for _, m := range msgs {
			if err := send([]byte(m)); err != nil {
				return err
			}
		}
	default:
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<30)
		for sc.Scan() {
			if err := send(sc.Bytes()); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	cli.Fact("put", put)
	return nil
}

func runGet(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("get")
	kf.register(fs)
	count := fs.String("n", "1", "blocks to take; 0: no limit")
	timeout := fs.String("timeout", "", "fail when nothing comes within this time (semtimedop)")
	until := fs.String("until", "", "stop after taking this message (not printed)")
	ready := fs.String("ready", "", "write this file once the FIFO is open")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("get", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("get", pos, 0, 0); err != nil {
		return err
	}
	n, err := cli.ParseCount("n", *count, 0, 1<<31-1)
	if err != nil {
		return err
	}
	d, err := parseTimeout(*timeout)
	if err != nil {
		return err
	}
	f, err := Open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := cli.Ready(*ready); err != nil {
		return err
	}
	// One write per message, unbuffered: a consumer killed with SIGKILL
	// loses only the message it was holding, never ones it already took.
	for i := 0; n == 0 || i < int(n); i++ {
		b, err := f.Get(d)
		if err != nil {
			return err
		}
		if j := bytes.IndexByte(b, 0); j >= 0 {
			b = b[:j]
		}
		if *until != "" && string(b) == *until {
			return nil
		}
		if _, err := os.Stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

func openArgs(cmd string, args []string, min, max int) (*Fifo, []string, error) {
	var kf keyFlags
	fs := cli.NewFlags(cmd)
	kf.register(fs)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	key, pos, err := kf.key(cmd, pos)
	if err != nil {
		return nil, nil, err
	}
	if err := cli.Want(cmd, pos, min, max); err != nil {
		return nil, nil, err
	}
	f, err := Open(key)
	return f, pos, err
}

func runStat(args []string) error {
	f, _, err := openArgs("stat", args, 0, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := f.Stat()
	if err != nil {
		return err
	}
	printStat(f, s)
	return nil
}

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
	if f.Sync == "posix" {
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
}

// printMode prints how the FIFO synchronises: sysv (the course's three
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

func runDestroy(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("destroy")
	kf.register(fs)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("destroy", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("destroy", pos, 0, 0); err != nil {
		return err
	}
	n, err := Destroy(key)
	if err != nil {
		return err
	}
	cli.Fact("removed", fmt.Sprintf("%d objects", n))
	return nil
}

// runPoke writes a header field through a plain attach, without Open's
// checks (they would refuse a header already scribbled on).
func runPoke(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("poke")
	kf.register(fs)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("poke", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("poke", pos, 2, 2); err != nil {
		return err
	}
	val, err := cli.ParseCount("value", pos[1], 0, 1<<32-1)
	if err != nil {
		return err
	}
	id, err := unix.SysvShmGet(key, 0, 0)
	if err != nil {
		return cli.SysHint("poke FIFO key "+KeyString(key), "shmget", err, openHint(err, key))
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return cli.Sys("poke FIFO key "+KeyString(key), "shmat", err)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem}
	defer f.Close()
	if len(mem) < HeaderSize {
		return fmt.Errorf("poke FIFO key %s: the segment has only %d bytes", KeyString(key), len(mem))
	}
	if err := f.Poke(pos[0], uint32(val)); err != nil {
		return err
	}
	cli.Fact(pos[0], val)
	return nil
}

// runLock takes the FIFO's mutex the way put and get do (P with SEM_UNDO),
// or without SEM_UNDO, and holds it until the process is killed: what a
// producer killed inside its critical section leaves behind.
func runLock(args []string) error {
	var kf keyFlags
	fs := cli.NewFlags("lock")
	kf.register(fs)
	undo := fs.Bool("undo", true, "take the mutex with SEM_UNDO")
	ready := fs.String("ready", "", "write this file once the mutex is held")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	key, pos, err := kf.key("lock", pos)
	if err != nil {
		return err
	}
	if err := cli.Want("lock", pos, 0, 0); err != nil {
		return err
	}
	f, err := Open(key)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Sync == "posix" {
		return lockPosix(f, *ready)
	}
	var flg int16
	if *undo {
		flg = SEM_UNDO
	}
	if err := Semop(f.Mutex, []Sembuf{{Op: -1, Flg: flg}}, 0); err != nil {
		return cli.Sys("lock FIFO key "+KeyString(key), "semop", err)
	}
	cli.Fact("mutex", "held")
	cli.Fact("SEM_UNDO", cli.YesNo(*undo))
	if err := cli.Ready(*ready); err != nil {
		return err
	}
	cli.Hold()
	// Released by SIGINT/SIGTERM: give the mutex back ourselves.
	return cli.Sys("unlock FIFO key "+KeyString(key), "semop", Semop(f.Mutex, []Sembuf{{Op: 1, Flg: flg}}, 0))
}

// undoOverflow counts how many P operations with SEM_UNDO one process can
// make on a semaphore that another process raises without SEM_UNDO (the
// V is made here too, without SEM_UNDO: the kernel keeps undo counters per
// process, so it is the same for the counter). It returns the count and the
// error that stopped it.
func undoOverflow(id, max int) (int, error) {
	for i := 0; i < max; i++ {
		if err := Semop(id, []Sembuf{{Op: 1}}, 0); err != nil {
			return i, cli.Sys("V without SEM_UNDO", "semop", err)
		}
		if err := Semop(id, []Sembuf{{Op: -1, Flg: SEM_UNDO}}, 0); err != nil {
			return i, cli.Sys(fmt.Sprintf("P with SEM_UNDO number %d", i+1), "semop", err)
		}
	}
	return max, nil
}

func runUndo(args []string) error {
	fs := cli.NewFlags("undo")
	ops := fs.String("ops", "40000", "P/V pairs to try")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("undo", pos, 0, 0); err != nil {
		return err
	}
	n, err := cli.ParseCount("ops", *ops, 1, 1<<24)
	if err != nil {
		return err
	}
	return undo(int(n))
}

func tourUndo() error {
	cli.Say("SEM_UNDO asks the kernel to remember, per process, the sum of what the")
	cli.Say("process did to a semaphore (semadj), and to take it back at exit. For a mutex,")
	cli.Say("P then V by the same process, the sum stays 0. For a counting semaphore where")
	cli.Say("one side only does P and the other only V, it grows by one per operation, and")
	cli.Say("semop fails with ERANGE once it would pass 32767.")
	return undo(40000)
}

func undo(n int) error {
	id, err := Semget(unix.IPC_PRIVATE, 1, 0o600)
	if err != nil {
		return cli.Sys("make a private semaphore set", "semget", err)
	}
	track.Sem(id, unix.IPC_PRIVATE)
	defer SemRemove(id)
	// The mutex way: P and V both with SEM_UNDO, by the same process.
	if err := SemSetVal(id, 1); err != nil {
		return cli.Sys("set the semaphore to 1", "semctl SETVAL", err)
	}
	var lockErr error
	for i := 0; i < n && lockErr == nil; i++ {
		lockErr = Semop(id, []Sembuf{{Op: -1, Flg: SEM_UNDO}}, 0)
		if lockErr == nil {
			lockErr = Semop(id, []Sembuf{{Op: 1, Flg: SEM_UNDO}}, 0)
		}
	}
	if lockErr != nil {
		return cli.Sys("lock and unlock with SEM_UNDO", "semop", lockErr)
	}
	cli.Fact("mutex P+V with SEM_UNDO, times", n)
	cli.Fact("mutex result", "ok")
	// The counting way: P with SEM_UNDO here, V by "the other side".
	if err := SemSetVal(id, 0); err != nil {
		return cli.Sys("set the semaphore to 0", "semctl SETVAL", err)
	}
	done, err := undoOverflow(id, n)
	cli.Fact("counting P with SEM_UNDO, V without, succeeded", done)
	if err != nil {
		var se *cli.SysError
		if errors.As(err, &se) {
			cli.Fact("counting result", cli.ErrnoName(se.Errno))
		}
		cli.Fact("error", err)
		return nil
	}
	cli.Fact("counting result", "ok")
	return nil
}

// lockPosix takes the in-segment mutex of a posix FIFO (Mutex.Lock) and
// holds it. There is no SEM_UNDO for a futex; if this process is killed, the
// kernel marks the lock word FUTEX_OWNER_DIED (robust list), and the next
// Lock takes it.
func lockPosix(f *Fifo, ready string) error {
	what := "lock FIFO key " + KeyString(f.Key)
	if f.SPSC {
		return fmt.Errorf("%s: an SPSC ring has no mutex: the producer and the consumer never wait for each other's lock", what)
	}
	if err := f.lockFifo(0); err != nil {
		return cli.Sys(what, "pthread_mutex_lock", err)
	}
	cli.Fact("mutex", "held")
	cli.Fact("SEM_UNDO", "no (a futex has no undo: the robust list does that job)")
	if err := cli.Ready(ready); err != nil {
		return err
	}
	cli.Hold()
	return cli.Sys("unlock FIFO key "+KeyString(f.Key), "pthread_mutex_unlock", f.mutex.Unlock())
}
