//go:build linux && (amd64 || arm64)

// How a side of an SPSC ring waits for the other: spin for a bounded time,
// then sleep in FUTEX_WAIT on the other side's counter. Given in both
// builds, used by RingReserve and RingPeek (lab_fast.go).

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
// (Giacomoni et al., PPoPP 2008). It costs latency, and wins nothing when
// no second message comes (a ping-pong: the producer waits for an
// answer): a slip that saw nothing come makes the next ringSlipRest waits
// skip it.
func (f *Fifo) slip(head, tail uint64, headp *uint64) uint64 {
	if f.Blksize >= ringSlipBytes {
		return head
	}
	if f.slipRest > 0 {
		f.slipRest--
		return head
	}
	want, first := min(uint64(ringSlipBytes/f.Blksize), uint64(f.Blocks/4)), head
	for i := 0; i < ringSlipLooks && head-tail < want; i++ {
		head = atomic.LoadUint64(headp)
	}
	if head == first && head-tail < want {
		f.slipRest = ringSlipRest
	}
	return head
}

const (
	ringSlipBytes = 1024
	ringSlipLooks = 300
	ringSlipRest  = 64
)

// How long to spin. A wait that sleeps costs two system calls (FUTEX_WAIT
// here, FUTEX_WAKE on the other side) and two context switches: tens of
// microseconds on a virtual machine before the sleeper runs again (bench's
// posix-nospin rows). The other side of a busy ring usually moves far
// sooner. So a side first spins, looking at the other's counter, and sleeps
// only when the other side has not moved within the spin limit. Spinning
// burns CPU time on this core that nobody else gets (the price); a
// hand-over that comes while spinning is seen within a cache miss, well
// under a microsecond (the win). The limit is a time, not a count of
// looks: what a look costs depends on the machine and on how busy the line
// is. With one CPU for both sides a spin only delays the side it waits for
// (bench pins them to two).
//
// Why about as long as a sleep costs: a side that spins that long and then
// sleeps never spends more than twice what the best choice would have cost
// had it known when the other side would move (the ski-rental argument:
// rent, the spin, until the rent paid equals the price of buying, the
// sleep). A shorter limit makes every hiccup of the other side (a page
// fault, a preempted vCPU) a sleep and a wake-up of tens of microseconds.
//
// Fifo.SpinMax sets the limit: negative never spins (every wait sleeps:
// least CPU, most latency), positive spins that long, and 0 (the default)
// adapts to the other side: DefaultSpinMax as long as the waits end within
// it (spinning wins, or would have won), halved after each wait that
// lasted longer (an idle peer: spinning only burns CPU), down to spinFloor.
// One quick hand-over sets it back to DefaultSpinMax. A ping-pong spins
// and almost never sleeps; a side that waits for an idle peer spins a
// microsecond or two before it sleeps (bench shows both, with the CPU
// time they cost).
const (
	DefaultSpinMax = 50 * time.Microsecond // the longest an adaptive wait (SpinMax 0) spins
	spinFloor      = time.Microsecond      // the shortest
	spinClockEvery = 64                    // looks between two readings of the clock
)

// spinLimit is how long a wait of this side spins: SpinMax, or the side's
// adaptive limit (0 before its first wait: DefaultSpinMax) when SpinMax is 0.
func spinLimit(spinMax, adapt time.Duration) time.Duration {
	switch {
	case spinMax < 0:
		return 0
	case spinMax > 0:
		return spinMax
	case adapt == 0:
		return DefaultSpinMax
	}
	return adapt
}

// spinLearn is a side's adaptive limit after a wait of d: back to
// DefaultSpinMax when the wait ended within it, halved (not below
// spinFloor) when it lasted longer.
func spinLearn(adapt, d time.Duration) time.Duration {
	if d <= DefaultSpinMax {
		return DefaultSpinMax
	}
	return max(spinLimit(0, adapt)/2, spinFloor)
}

// ringWait waits until ready(head, tail) holds, first spinning (at most
// spinLimit), then sleeping on the other side's counter (other) with this
// side's waiting flag set. It returns the other side's counter as it saw
// it last. The clock is read only once every spinClockEvery looks (a
// reading costs about as much as a hand-over), first after the first
// spinClockEvery: a wait that ends sooner counts as a wait of 0.
func (f *Fifo) ringWait(ready func(head, tail uint64) bool, other *uint64, waiting *uint32, side int, timeout time.Duration) (uint64, error) {
	adapt := &f.spinAdapt[side/64&1]
	limit, until := spinLimit(f.SpinMax, *adapt), deadline(timeout)
	if timeout >= 0 {
		limit = min(limit, timeout) // a spin never outlasts the timeout (0: no spin)
	}
	var start time.Time // the first reading of the clock
	for spin := 1; ; spin++ {
		head, tail, err := f.ringState()
		if err != nil {
			return 0, err
		}
		if ready(head, tail) {
			var d time.Duration
			if !start.IsZero() {
				d = time.Since(start)
			}
			*adapt = spinLearn(*adapt, d)
			return atomic.LoadUint64(other), nil
		}
		// Spin: look again, reading the clock once every spinClockEvery looks.
		if limit > 0 && spin%spinClockEvery != 0 {
			continue
		}
		if start.IsZero() {
			start = time.Now()
		}
		if limit > 0 && time.Since(start) < limit {
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
