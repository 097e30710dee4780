//go:build linux && (amd64 || arm64)

// FIFOs this program makes for itself (the tour, bench) at a random free
// key, and the record of what a process made, so that a scenario's cleanup
// removes it even if the scenario fails before `destroy`.

package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"sync"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/exercise"
	"shmlab/internal/track"
)

// freeKey picks a random key K such that nothing uses K, K+1 or K+2, for a
// FIFO that only this run will use (0x5fXXXXX0: outside the scenarios' block).
func freeKey() (int, error) {
	for range 100 {
		var b [4]byte
		rand.Read(b[:])
		k := int(0x5f000000 | binary.LittleEndian.Uint32(b[:])&0x00fffff0)
		free := true
		for i := range 3 {
			if _, err := unix.SysvShmGet(k+i, 0, 0); !errors.Is(err, unix.ENOENT) {
				free = false
			}
			if _, err := Semget(k+i, 0, 0); errors.Is(err, exercise.ErrExercise) {
				return 0, err
			} else if !errors.Is(err, unix.ENOENT) {
				free = false
			}
		}
		if free {
			return k, nil
		}
	}
	return 0, errors.New("no free key found in 100 tries")
}

// privateFifo makes a FIFO at a free key: the course's (sync "sysv"), or a
// -sync posix one ("posix", or "spsc" for the ring). The caller destroys it.
func privateFifo(sync string, blksize, blocks int) (*Fifo, error) {
	for range 10 {
		key, err := freeKey()
		if err != nil {
			return nil, err
		}
		var f *Fifo
		var created bool
		if sync == "sysv" {
			f, created, err = Init(key, blksize, blocks, 0o600)
		} else {
			f, created, err = InitPosix(key, blksize, blocks, 0o600, sync == "spsc")
		}
		if errors.Is(err, unix.EEXIST) || (err == nil && !created) {
			if f != nil {
				f.Close()
			}
			continue // someone took it meanwhile
		}
		if err != nil {
			return nil, err
		}
		trackFifo(f)
		return f, nil
	}
	return nil, errors.New("could not make a FIFO at a free key")
}

// ownFifo is privateFifo for an experiment that removes the FIFO itself:
// registered with cli.Made before it exists, so that a signal that comes
// while Init runs waits for it, then removes what it made. destroy removes
// the FIFO (once, whoever asks first: the experiment at its end or on an
// error path, or the interrupt) and says what Destroy said.
func ownFifo(kind string, blksize, blocks int) (f *Fifo, destroy func() (int, error), err error) {
	var mu sync.Mutex
	var n int
	var rmErr error
	mu.Lock()
	remove := cli.Made(func() {
		mu.Lock()
		defer mu.Unlock()
		if f != nil {
			n, rmErr = Destroy(f.Key)
		}
	})
	f, err = privateFifo(kind, blksize, blocks)
	mu.Unlock()
	if err != nil {
		remove()
		return nil, nil, err
	}
	return f, func() (int, error) { remove(); return n, rmErr }, nil
}

// trackFifo records the objects of a FIFO this process made.
func trackFifo(f *Fifo) {
	track.Shm(f.ShmID, f.Key)
	if f.Sync == "posix" {
		return // no semaphore sets
	}
	track.Sem(f.Mutex, f.Key)
	track.Sem(f.Free, f.Key+1)
	track.Sem(f.Filled, f.Key+2)
}
