//go:build linux && (amd64 || arm64)

// `shmfifo init`: make a FIFO, the course's shmfifo_init (ep. 33): a
// segment at KEY and three semaphore sets at KEY, KEY+1, KEY+2, or with
// -sync posix one segment that holds its own synchronisation.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func initCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	blksize := f.Int("blksize", 0, 1, maxBlksize, "bytes per block: the largest message (required; at most 16M: every get copies a whole block)")
	blocks := f.Int("blocks", 0, 1, 1<<32-1, "blocks in the ring (required); -sync sysv: at most SEMVMX 32767, the start value of free")
	mode := f.Mode("mode", 0o600, "permission bits of the segment and the semaphore sets")
	syncMode := f.String("sync", "sysv|posix", "sysv", "sysv: three System V semaphore sets (the course's); posix: futex words in the segment")
	ring := f.String("ring", "mpmc|spsc", "mpmc", "with -sync posix: mpmc (semaphores and a mutex, any number of each side) or spsc (one producer, one consumer, lock-free)")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "init", args, 0, 0)
		if err != nil {
			return err
		}
		// Check the flags before anything is made.
		if *blksize == 0 || *blocks == 0 {
			return cli.Usagef("init: -blksize and -blocks are required")
		}
		if err := checkSync(*syncMode, *ring); err != nil {
			return err
		}
		// Make it (or open the same FIFO made before).
		fifo, created, err := makeFifo(key, int(*blksize), int(*blocks), *mode, *syncMode, *ring == "spsc")
		if err != nil {
			return initErr(key, err)
		}
		defer fifo.Close()
		if !created && fifo.Sync != *syncMode {
			return initErr(key, unix.EEXIST)
		}
		if created {
			trackFifo(fifo)
		}
		// What was made.
		cli.Fact("key", KeyString(key))
		cli.Fact("created", cli.YesNo(created))
		cli.Fact("blksize", fifo.Blksize)
		cli.Fact("blocks", fifo.Blocks)
		cli.Fact("segment size", len(fifo.mem))
		printMode(fifo)
		return nil
	}
}

// checkSync checks -sync and -ring.
func checkSync(sync, ring string) error {
	if sync != "sysv" && sync != "posix" {
		return cli.Usagef("init: -sync %q: want sysv or posix", sync)
	}
	if ring != "mpmc" && ring != "spsc" {
		return cli.Usagef("init: -ring %q: want mpmc or spsc", ring)
	}
	if ring == "spsc" && sync != "posix" {
		return cli.Usagef("init: -ring spsc needs -sync posix (the course's layout has no ring counters)")
	}
	return nil
}

// makeFifo is Init or InitPosix.
func makeFifo(key, blksize, blocks int, perm uint32, sync string, spsc bool) (*Fifo, bool, error) {
	if sync == "posix" {
		return InitPosix(key, blksize, blocks, perm, spsc)
	}
	return Init(key, blksize, blocks, perm)
}

// initErr is the error line of a failed init, with what to do about it.
func initErr(key int, err error) error {
	what := "init FIFO key " + KeyString(key)
	hint := ""
	switch call, errno := callOf(err), errnoOf(err); {
	case errno == 0:
		return fmt.Errorf("%s: %w", what, err) // no call failed: what init found there is wrong
	case errno == unix.EEXIST && call == "semget":
		hint = "a semaphore set at KEY, KEY+1 or KEY+2 is already there (another FIFO's, at a key next to this one?): a FIFO needs all three keys (ipcs -s shows them)"
	case errno == unix.EACCES:
		hint = "the mode of the segment or of a set at KEY..KEY+2 does not let this user read and write it (ipcs -m -s shows owner and mode); a new FIFO's -mode must give its owner read and write"
	case errno == unix.EEXIST:
		hint = existing(key)
	case errno == unix.ERANGE && call == "semctl SETVAL":
		hint = "a semaphore holds at most SEMVMX 32767: use fewer blocks (or -sync posix)"
	case errno == unix.EINVAL && call == "sem_init":
		hint = "a posix FIFO holds at most SEM_VALUE_MAX 2147483647 blocks (an SPSC ring 2^30)"
	case errno == unix.EINVAL:
		hint = "the size is over SHMMAX (/proc/sys/kernel/shmmax) or more than a shm file can hold"
	case errno == unix.ENOMEM && call == "shmget":
		hint = "the kernel would not commit memory for blksize × blocks bytes (vm.overcommit_memory decides): use fewer or smaller blocks"
	case errno == unix.ENOSPC && call == "shmget":
		hint = "over SHMMNI (segments) or SHMALL (pages of shared memory in all): ipcs -l shows both"
	case errno == unix.ENOSPC && call == "semget":
		hint = "over SEMMNI (semaphore sets) or SEMMNS (semaphores in all): ipcs -l shows both"
	}
	return cli.SysHint(what, "shmget", err, hint)
}

// existing says what is at key when init finds it taken.
func existing(key int) string {
	f, err := Open(key)
	if err != nil {
		return "something else has this key (ipcs shows it; ipcrm removes it)"
	}
	defer f.Close()
	return fmt.Sprintf("a FIFO with %s is there (remove it first: shmfifo destroy -key %s)", f.describe(), KeyString(key))
}
