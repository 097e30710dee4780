//go:build linux && (amd64 || arm64)

// The ceilings `shmfifo bench` measures in the same run as everything
// else, between the same two processes on the same two CPUs:
//
//   - spin-ring: the fast path with everything but the copies and the two
//     counters taken out. The same geometry (blocks from offset HeaderSize
//     of a page, head and tail where the sync area keeps them), the same
//     algorithm, but no futex, no checks of the header, no claim, no
//     sleeping: each side spins on the other's counter. A ring of shared
//     memory that copies in and out can hardly do better on this machine.
//   - cache-line (ping-pong only): one 64-bit word on a cache line of its
//     own, written by one side and awaited by the other, and back. No
//     payload at all: two hand-overs of one line between two cores' caches,
//     the physical limit of any round trip between two processes.
//
// Both live in a memfd mapping (memfd_create(2), handed to the peer as a
// descriptor): nothing in /dev/shm, nothing left behind.

package main

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spinRing is one side's view of a ring in the mapping: a producer puts
// (next is its head), a consumer gets (next is its tail); seen is the other
// side's counter as last read.
type spinRing struct {
	mem          []byte
	size, blocks int
	head, tail   *uint64
	next, seen   uint64
	stop         *atomic.Bool // set by the link's abort: give up waiting
}

// ringBytes is the room one ring takes in the mapping, a whole number of
// pages, laid out as a FIFO of the fast path is (posixSize).
func ringBytes(size, blocks int) int {
	page := os.Getpagesize()
	return (int(posixSize(size, blocks)) + page - 1) / page * page
}

// mapRings maps the memfd f and returns n rings of blocks blocks of size
// bytes, one after the other; unmap undoes the mapping.
func mapRings(f *os.File, size, blocks, n int) (rings []*spinRing, unmap func(), err error) {
	per := ringBytes(size, blocks)
	mem, err := unix.Mmap(int(f.Fd()), 0, n*per, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, os.NewSyscallError("mmap", err)
	}
	stop := new(atomic.Bool)
	sync := (HeaderSize + size*blocks + 63) &^ 63 // as posixSize lays it out
	for i := range n {
		m := mem[i*per : (i+1)*per]
		rings = append(rings, &spinRing{mem: m, size: size, blocks: blocks, stop: stop,
			head: (*uint64)(unsafe.Pointer(&m[sync+offProd+sideCounter])),
			tail: (*uint64)(unsafe.Pointer(&m[sync+offCons+sideCounter]))})
	}
	return rings, func() { unix.Munmap(mem) }, nil
}

// put copies msg into the next block once there is room, then publishes
// it. A producer of small blocks that found the ring full waits, like the
// consumer, until a kilobyte is free (or it looked slipLooks times): else
// it writes the block next to the one the consumer reads, and the two
// share a cache line at every message.
func (r *spinRing) put(msg []byte) error {
	if r.next-r.seen >= uint64(r.blocks) {
		tail, err := spinUntil(r.tail, r.next-uint64(r.blocks)+1, r.stop)
		if err != nil {
			return err
		}
		r.seen = r.slip(r.tail, tail, r.next-uint64(r.blocks))
	}
	off := HeaderSize + int(r.next%uint64(r.blocks))*r.size
	copy(r.mem[off:off+r.size], msg)
	r.next++
	atomic.StoreUint64(r.head, r.next)
	return nil
}

// get copies the oldest block into dst once there is one, then gives the
// block back. Like the fast path (RingGet's slip), a consumer that found
// the ring empty lets a producer of small blocks get a kilobyte ahead (or
// looks slipLooks times) before it goes on.
func (r *spinRing) get(dst []byte) error {
	if r.seen <= r.next {
		head, err := spinUntil(r.head, r.next+1, r.stop)
		if err != nil {
			return err
		}
		r.seen = r.slip(r.head, head, r.next)
	}
	off := HeaderSize + int(r.next%uint64(r.blocks))*r.size
	copy(dst, r.mem[off:off+r.size])
	r.next++
	atomic.StoreUint64(r.tail, r.next)
	return nil
}

// slip waits, for blocks under slipBytes, until the other side's counter
// w (last seen at v) is a kilobyte past from, or slipLooks looks have
// passed, and returns what it saw last.
func (r *spinRing) slip(w *uint64, v, from uint64) uint64 {
	if r.size >= slipBytes {
		return v
	}
	want := from + uint64(min(slipBytes/r.size, r.blocks/4))
	for i := 0; i < slipLooks && v < want; i++ {
		v = atomic.LoadUint64(w)
	}
	return v
}

const (
	slipBytes = 1024
	slipLooks = 300
)

var errStopped = errors.New("the peer is gone")

// spinUntil reads *w until it is at least want, and returns it. Every 4Ki
// looks (a few microseconds) it checks stop and offers the CPU to whatever
// else waits for it (sched_yield(2)): a side that waits does nothing
// useful, and another process that must run somewhere had better run here
// than take the CPU of the side that works.
func spinUntil(w *uint64, want uint64, stop *atomic.Bool) (uint64, error) {
	for i := 1; ; i++ {
		if v := atomic.LoadUint64(w); v >= want {
			return v, nil
		}
		if i&0xfff == 0 {
			if stop.Load() {
				return 0, errStopped
			}
			unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
		}
	}
}

// memfdLink makes a memfd of n rings (or of one page, for the cache
// line) for the peer, mapped here as well.
func memfdLink(size, blocks, n int) (*link, []*spinRing, error) {
	fd, err := unix.MemfdCreate("shmlab-bench-ring", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, os.NewSyscallError("memfd_create", err)
	}
	f := os.NewFile(uintptr(fd), "ring")
	if err := f.Truncate(int64(n * ringBytes(size, blocks))); err != nil {
		f.Close()
		return nil, nil, err
	}
	rings, unmap, err := mapRings(f, size, blocks, n)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	l := &link{chunk: size, copies: 2, noFutex: true, files: []*os.File{f}, cleanup: []func(){unmap}}
	l.env = []string{fmt.Sprintf("BENCH_RING_SIZE=%d", size), fmt.Sprintf("BENCH_RING_BLOCKS=%d", blocks)}
	l.aborts = []func(){func() { rings[0].stop.Store(true) }}
	return l, rings, nil
}

// spinRingLink makes n spin rings: the first carries messages to the
// peer, the second (ping-pong) back.
func spinRingLink(size, blocks, n int) (*link, error) {
	l, rings, err := memfdLink(size, blocks, n)
	if err != nil {
		return nil, err
	}
	l.send = rings[0].put
	if n > 1 {
		l.recv = rings[1].get
	}
	return l, nil
}

// cacheLineLink makes the cache line: this side writes 2k-1 into the
// word for round trip k and waits for the peer's 2k.
func cacheLineLink() (*link, error) {
	l, rings, err := memfdLink(8, 1, 1)
	if err != nil {
		return nil, err
	}
	l.copies, l.chunk = 0, 0
	word, stop := rings[0].head, rings[0].stop
	l.put = func(k uint64) error { atomic.StoreUint64(word, 2*k-1); return nil }
	l.take = func(k uint64) error { _, err := spinUntil(word, 2*k, stop); return err }
	return l, nil
}

// peerCacheLine is the peer's side of the cache line (mapped from f): wait
// for 2k-1, answer 2k.
func peerCacheLine(f *os.File) (put, take func(uint64) error, unmap func(), err error) {
	rings, unmap, err := mapRings(f, 8, 1, 1)
	if err != nil {
		return nil, nil, nil, err
	}
	word, stop := rings[0].head, rings[0].stop
	take = func(k uint64) error { _, err := spinUntil(word, 2*k-1, stop); return err }
	put = func(k uint64) error { atomic.StoreUint64(word, 2*k); return nil }
	return put, take, unmap, nil
}
