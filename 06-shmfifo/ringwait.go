//go:build linux && (amd64 || arm64)

// How a side of an SPSC ring waits for the other: spin, then sleep in
// FUTEX_WAIT on the other side's counter. Given in both builds, used by
// RingPut and RingGet (lab_fast.go).

package main

import (
	"errors"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// slip is what a consumer that found the ring empty does once a message
// comes: with small blocks it lets the producer get ringSlipBytes ahead
// (looking at head at most ringSlipLooks times, about half a microsecond),
// then takes what is there. Without it the consumer reads block i while the
// producer writes block i+1, and 64-byte blocks at offset 16 share cache
// lines: each message bounces lines and the head counter between the two
// cores' caches, and some runs fall into that lockstep and go several
// times slower (BENCH.md). This is the "temporal slipping" of FastForward
// (Giacomoni et al., PPoPP 2008); it costs some latency.
func (f *Fifo) slip(head, tail uint64, headp *uint64) uint64 {
	if f.Blksize >= ringSlipBytes {
		return head
	}
	want := min(uint64(ringSlipBytes/f.Blksize), uint64(f.Blocks/4))
	for i := 0; i < ringSlipLooks && head-tail < want; i++ {
		head = atomic.LoadUint64(headp)
	}
	return head
}

const (
	ringSlipBytes = 1024
	ringSlipLooks = 300
)

// ringSpin is how many times a side looks at the other's counter before it
// goes to sleep: a sleep and a wake-up cost two system calls and a context
// switch, more than the other side usually needs to move (bench's
// futex/msg column shows how often a side still sleeps).
const ringSpin = 20000

// ringWait waits until ready(head, tail) holds, first spinning, then
// sleeping on the other side's counter (other) with this side's waiting
// flag set. It returns the other side's counter as it saw it last.
func (f *Fifo) ringWait(ready func(head, tail uint64) bool, other *uint64, waiting *uint32, side int, timeout time.Duration) (uint64, error) {
	until := deadline(timeout)
	for spin := 0; ; spin++ {
		head, tail, err := f.ringState()
		if err != nil {
			return 0, err
		}
		if ready(head, tail) {
			return atomic.LoadUint64(other), nil
		}
		if spin < ringSpin && timeout != 0 {
			continue
		}
		if atomic.LoadUint32(f.u32(offDead)) != 0 {
			return 0, os.NewSyscallError("futex", unix.EIDRM)
		}
		sleep, err := sleepFor(until, timeout)
		if err != nil {
			return 0, os.NewSyscallError("futex", err)
		}
		// Say we sleep, look once more, then sleep on the value we saw.
		seen := atomic.LoadUint64(other)
		atomic.StoreUint32(waiting, 1)
		if head, tail, _ := f.ringState(); ready(head, tail) {
			atomic.StoreUint32(waiting, 0) // it moved meanwhile: no sleep, no wake needed
			continue
		}
		bump(f.u64(side + sideWaits))
		if err := FutexWait(low32(other), uint32(seen), sleep); err != nil && !errors.Is(err, unix.ETIMEDOUT) {
			return 0, err
		}
	}
}
