//go:build linux && (amd64 || arm64)

// The FIFO's fast path, `init -sync posix`: the same System V segment and
// the same 16-byte course header, with the synchronisation inside the
// segment instead of in three semaphore sets. Given in both builds: the
// layout, its checks on attach, InitPosix, `destroy`'s wake-up, the claim of
// an SPSC side and the futex sleep the waits share. The lesson (the futex
// calls, the semaphore, the robust mutex, the ring) is in lab_fast.go.
//
// Layout of a posix-mode segment (all offsets from the start, native endian):
//
//	0                     struct shmhead { blksize, blocks, rd_index, wr_index }   as in the course
//	16                    blocks * blksize bytes of payload                        as in the course
//	size - syncAreaSize   the sync area, 448 bytes, 64-byte aligned (size is a multiple of 64):
//	  +0   magic   uint64 "SHMFIFO2" (syncMagic)
//	  +8   mode    uint32 1: semaphores (any number of producers and consumers), 2: SPSC ring
//	  +12  blksize uint32 copy of the header's, checked on attach and on every put and get
//	  +16  blocks  uint32 copy
//	  +20  dead    uint32 set by destroy once the segment is removed; the waiters it wakes return EIDRM
//	  +24  recovered uint64 times the mutex was taken from a dead owner
//	  +64  pthread_mutex_t mutex  40 bytes, glibc's, process-shared and robust (robust.go)
//	  +128 sem_t free     32 bytes each, glibc's x86-64 layout: uint64 data (value in
//	  +160 sem_t filled   the low 32 bits, number of waiters in the high 32 bits),
//	                      int32 private (128: FUTEX_SHARED, see semShared), padding
//	  +192 producer line: head uint64, pid uint32, futex waits, wakes uint64 (SPSC)
//	  +256 consumer line: tail uint64, pid uint32, futex waits, wakes uint64 (SPSC)
//	  +320 the producer's waiting flag, a line of its own (SPSC)
//	  +384 the consumer's waiting flag, a line of its own (SPSC)
//
// Each 64-byte line is written by one side only (or rarely): a line both
// sides write on every message would travel between the two cores' caches
// at every message (false sharing). For the same reason an SPSC ring does
// not keep the course's rd_index and wr_index up to date (they stay 0;
// stat computes them from tail and head).
//
// Why at the end: the course's C shmfifo reads only the header and the blocks,
// so a sysv-mode FIFO stays byte for byte the course's (nothing after the
// blocks), and a posix-mode FIFO is recognised by a magic word where the
// course's layout never looks, at a place a scribbled header cannot move
// (the segment size is the kernel's). A course program that opens a posix
// FIFO fails in semget with ENOENT: there are no semaphore sets.

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	syncAreaSize = 448
	syncMagic    = 0x324f4649464d4853 // "SHMFIFO2" in little-endian bytes

	modeSem  = 1 // three in-segment semaphores: mutex, free, filled
	modeSPSC = 2 // lock-free single-producer/single-consumer ring

	offMagic       = 0
	offMode        = 8
	offBlksize     = 12
	offBlocks      = 16
	offDead        = 20
	offRecovered   = 24
	offMutex       = 64
	offFree        = 128
	offFilled      = 160
	offProd        = 192 // head, pid, waits, wakes
	offCons        = 256 // tail, pid, waits, wakes
	offProdWaiting = 320 // set by the producer before it sleeps in FUTEX_WAIT
	offConsWaiting = 384 // set by the consumer before it sleeps

	sideCounter = 0  // head or tail: messages put or taken so far (uint64)
	sidePid     = 8  // the process that owns this side of an SPSC ring
	sideWaits   = 16 // FUTEX_WAIT calls made by this side
	sideWakes   = 24 // FUTEX_WAKE calls made by this side

	// The futex(2) operations of <linux/futex.h>, without FUTEX_PRIVATE_FLAG
	// (128): the words are shared between processes.
	futexWaitOp = 0 // FUTEX_WAIT
	futexWakeOp = 1 // FUTEX_WAKE

	// semShared is what sem_init(sem, 1, v) stores in the private field
	// of a process-shared sem_t: glibc's FUTEX_SHARED (LLL_SHARED), which is
	// 128, FUTEX_PRIVATE_FLAG, because glibc XORs the field into the futex
	// operation (__lll_private_flag): 0 would mean a private futex, and a
	// glibc sem_wait would sleep where no other process's wake reaches it.
	semShared     = 128
	semPrivateOff = 8 // the private field, after the 64-bit data word

	// SemValueMax is glibc's SEM_VALUE_MAX (INT_MAX).
	SemValueMax = 1<<31 - 1
)

// posixSize is the size of a posix-mode segment for this geometry.
func posixSize(blksize, blocks int) uint64 {
	payload := uint64(HeaderSize) + uint64(blksize)*uint64(blocks)
	return (payload+63)&^63 + syncAreaSize
}

// syncArea returns the offset of the sync area if mem holds a posix-mode
// FIFO: a size that is a multiple of 64, the magic word and a known mode.
func syncArea(mem []byte) (int, int, bool) {
	if len(mem) < HeaderSize+syncAreaSize || len(mem)%64 != 0 {
		return 0, 0, false
	}
	off := len(mem) - syncAreaSize
	if binary.NativeEndian.Uint64(mem[off+offMagic:]) != syncMagic {
		return 0, 0, false
	}
	mode := int(binary.NativeEndian.Uint32(mem[off+offMode:]))
	return off, mode, true
}

func (f *Fifo) u32(off int) *uint32 { return (*uint32)(unsafe.Pointer(&f.mem[f.sync+off])) }
func (f *Fifo) u64(off int) *uint64 { return (*uint64)(unsafe.Pointer(&f.mem[f.sync+off])) }

// sem returns the semaphore at off in the sync area; its FUTEX_WAITs are
// counted on the line of the side that waits on it, its FUTEX_WAKEs on the
// line of the side that posts it (the mutex's both on the producers').
func (f *Fifo) sem(off, waiter, poster int) *Sem {
	return &Sem{Word: f.u64(off), Dead: f.u32(offDead), Waits: f.u64(waiter + sideWaits), Wakes: f.u64(poster + sideWakes)}
}

// attachPosix finishes attach for a posix-mode segment: the mode, the copy
// of the geometry and where the payload may end are checked, and the
// mutex and semaphores of the sync area become what Put and Get use.
func (f *Fifo) attachPosix(off, mode int) error {
	if mode != modeSem && mode != modeSPSC {
		return fmt.Errorf("key %s: %w: sync mode %d is neither 1 (semaphores) nor 2 (spsc)", KeyString(f.Key), ErrCorrupt, mode)
	}
	f.sync, f.Sync, f.SPSC = off, "posix", mode == modeSPSC
	bs, n := atomic.LoadUint32(f.u32(offBlksize)), atomic.LoadUint32(f.u32(offBlocks))
	if int(bs) != f.Blksize || int(n) != f.Blocks {
		return fmt.Errorf("key %s: %w: header says blksize %d blocks %d, the sync area blksize %d blocks %d",
			KeyString(f.Key), ErrCorrupt, f.Blksize, f.Blocks, bs, n)
	}
	if want := posixSize(f.Blksize, f.Blocks); uint64(len(f.mem)) != want {
		return fmt.Errorf("key %s: %w: the segment has %d bytes, a posix FIFO of blksize %d blocks %d has %d",
			KeyString(f.Key), ErrCorrupt, len(f.mem), f.Blksize, f.Blocks, want)
	}
	if f.SPSC {
		if f.Blocks > 1<<30 {
			return fmt.Errorf("key %s: %w: an SPSC ring holds at most 2^30 blocks, not %d", KeyString(f.Key), ErrCorrupt, f.Blocks)
		}
		return nil
	}
	if k := atomic.LoadUint32(f.u32(offMutex + mutexKindOff)); k != mutexKind {
		return fmt.Errorf("key %s: %w: the mutex has kind %d, not %d (robust, process-shared)", KeyString(f.Key), ErrCorrupt, k, mutexKind)
	}
	for i, off := range []int{offFree, offFilled} {
		if p := atomic.LoadUint32(f.u32(off + semPrivateOff)); p != semShared {
			return fmt.Errorf("key %s: %w: sem_t %s has private %d, not %d (FUTEX_SHARED)", KeyString(f.Key), ErrCorrupt, semName[i+1], p, semShared)
		}
	}
	f.futexFree, f.futexFilled = f.sem(offFree, offProd, offCons), f.sem(offFilled, offCons, offProd)
	f.robust = &Mutex{p: unsafe.Pointer(f.u32(offMutex)), Dead: f.u32(offDead),
		Waits: f.u64(offProd + sideWaits), Wakes: f.u64(offProd + sideWakes), Recovered: f.u64(offRecovered)}
	f.mutex, f.free, f.filled = robustLock{f.robust}, f.futexFree, f.futexFilled
	return nil
}

// InitPosix makes a posix-mode FIFO at key: one segment (IPC_CREAT|IPC_EXCL,
// mode perm) holding the course header, the blocks and the sync area, with
// the semaphores set to mutex 1, free = blocks, filled 0 (or, with spsc, the
// ring's counters at 0). No semaphore set is made.
//
// The same geometry and mode again opens the FIFO (created false); anything
// else at key is shmget's EEXIST. Errors: sem_init EINVAL (more blocks than
// a sem_t counts, or than an SPSC ring holds), and those of shmget and shmat.
func InitPosix(key, blksize, blocks int, perm uint32, spsc bool) (_ *Fifo, created bool, err error) {
	if blksize <= 0 || blocks <= 0 {
		return nil, false, fmt.Errorf("blksize %d, blocks %d: both must be at least 1", blksize, blocks)
	}
	if blocks > SemValueMax || (spsc && blocks > 1<<30) {
		return nil, false, os.NewSyscallError("sem_init", unix.EINVAL)
	}
	id, err := unix.SysvShmGet(key, int(posixSize(blksize, blocks)), unix.IPC_CREAT|unix.IPC_EXCL|int(perm))
	if errors.Is(err, unix.EEXIST) {
		return initPosixExisting(key, blksize, blocks, spsc)
	}
	if err != nil {
		return nil, false, os.NewSyscallError("shmget", err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, false, os.NewSyscallError("shmat", err)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem, Blksize: blksize, Blocks: blocks, Mutex: -1, Free: -1, Filled: -1}
	mode := f.writeSyncArea(spsc)
	if err := f.attachPosix(f.sync, mode); err != nil {
		f.Close()
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, false, err
	}
	return f, true, nil
}

// initPosixExisting opens the FIFO already at key if it has this geometry
// and mode.
func initPosixExisting(key, blksize, blocks int, spsc bool) (*Fifo, bool, error) {
	f, err := Open(key)
	if err != nil {
		return nil, false, err
	}
	if f.Blksize != blksize || f.Blocks != blocks || f.Sync != "posix" || f.SPSC != spsc {
		f.Close()
		return nil, false, os.NewSyscallError("shmget", unix.EEXIST)
	}
	return f, false, nil
}

// writeSyncArea writes the header and the sync area of a new segment and
// returns its mode. The magic word is written last: until it is there, Open
// sees a sysv-mode FIFO with no semaphore sets and fails with ENOENT, never
// a half-made posix one.
func (f *Fifo) writeSyncArea(spsc bool) int {
	f.setField(hBlksize, uint32(f.Blksize))
	f.setField(hBlocks, uint32(f.Blocks))
	f.sync = len(f.mem) - syncAreaSize
	mode := modeSem
	if spsc {
		mode = modeSPSC
	}
	*f.u32(offMode) = uint32(mode)
	*f.u32(offBlksize) = uint32(f.Blksize)
	*f.u32(offBlocks) = uint32(f.Blocks)
	// pthread_mutex_init with PTHREAD_PROCESS_SHARED and
	// PTHREAD_MUTEX_ROBUST; sem_init(sem, 1, value): data = value (no
	// waiters), private = FUTEX_SHARED (the word is shared between
	// processes).
	if !spsc {
		initMutex(unsafe.Pointer(f.u32(offMutex)))
		*f.u64(offFree), *f.u64(offFilled) = uint64(f.Blocks), 0
		for _, off := range []int{offFree, offFilled} {
			*f.u32(off + semPrivateOff) = semShared
		}
	}
	atomic.StoreUint64(f.u64(offMagic), syncMagic)
	return mode
}

// describe names the geometry and mode, for errors.
func (f *Fifo) describe() string {
	s := fmt.Sprintf("blksize %d blocks %d", f.Blksize, f.Blocks)
	switch {
	case f.SPSC:
		return s + " -sync posix -ring spsc"
	case f.Sync == "posix":
		return s + " -sync posix"
	}
	return s
}

// posixWaiters is the sync area of a posix FIFO that Destroy is removing.
// Removing a segment wakes nobody (unlike semctl IPC_RMID), so Destroy
// attaches it first (watchWaiters), removes it, and only if that worked
// sets the dead word and wakes every waiter on every futex word (Wake); each
// returns EIDRM. A refused removal (EPERM: another user's FIFO) leaves the
// FIFO and its waiters as they were (Drop). The mapping made before
// IPC_RMID stays valid after it, until shmdt.
type posixWaiters struct{ f *Fifo }

// watchWaiters attaches segment id if it holds a posix FIFO: no course sets
// at key (sysvSets), the magic word, a known mode, and a segment size that
// is the one of the sync area's copy of the geometry. Otherwise (a sysv
// FIFO, anything else, an attach refused) it returns nil, whose Wake
// reports false and whose Drop does nothing.
func watchWaiters(key, id int) *posixWaiters {
	if sysvSets(key) {
		return nil
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil
	}
	off, mode, ok := syncArea(mem)
	f := &Fifo{mem: mem, sync: off}
	if !ok || (mode != modeSem && mode != modeSPSC) ||
		uint64(len(mem)) != posixSize(int(*f.u32(offBlksize)), int(*f.u32(offBlocks))) {
		unix.SysvShmDetach(mem)
		return nil
	}
	return &posixWaiters{f}
}

// Wake marks the FIFO dead, wakes its waiters and detaches; it reports
// whether w held a posix FIFO. Call it once the segment is removed.
func (w *posixWaiters) Wake() bool {
	if w == nil {
		return false
	}
	f := w.f
	atomic.StoreUint32(f.u32(offDead), 1)
	for _, off := range []int{offMutex, offFree, offFilled, offProd + sideCounter, offCons + sideCounter} {
		FutexWake(low32(f.u64(off)), 1<<30)
	}
	unix.SysvShmDetach(f.mem)
	return true
}

// Drop detaches without a word to the waiters: the removal failed.
func (w *posixWaiters) Drop() {
	if w != nil {
		unix.SysvShmDetach(w.f.mem)
	}
}

// ClaimError is what a second live producer (or consumer) of an SPSC ring
// gets: EBUSY, and the pid that holds the side.
type ClaimError struct {
	Role string // "producer" or "consumer"
	Pid  int
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("an SPSC ring has one %s, and pid %d is it", e.Role, e.Pid)
}

// Unwrap makes errors.Is(err, unix.EBUSY) true.
func (e *ClaimError) Unwrap() error { return unix.EBUSY }

// claim makes this process the owner of one side of an SPSC ring (the pid
// word at side): free, ours already, or held by a process that no longer
// exists (kill(pid, 0) says ESRCH: killed and reaped). A second live
// producer or consumer is refused with a ClaimError: two of them would
// break the ring. Pids are those of the caller's pid namespace.
func (f *Fifo) claim(side int, role string) error {
	if f.claimed[side/64&1] {
		return nil
	}
	me := uint32(os.Getpid())
	p := f.u32(side + sidePid)
	for {
		cur := atomic.LoadUint32(p)
		if cur != me && cur != 0 && !errors.Is(unix.Kill(int(cur), 0), unix.ESRCH) {
			return &ClaimError{Role: role, Pid: int(cur)}
		}
		if cur == me || atomic.CompareAndSwapUint32(p, cur, me) {
			f.claimed[side/64&1] = true
			return nil
		}
	}
}

// release gives up this process's sides of an SPSC ring (on Close).
func (f *Fifo) release() {
	me := uint32(os.Getpid())
	for _, side := range []int{offProd, offCons} {
		atomic.CompareAndSwapUint32(f.u32(side+sidePid), me, 0)
	}
}

// ringState reads head and tail and checks them: another process may have
// scribbled on them too.
func (f *Fifo) ringState() (head, tail uint64, err error) {
	head, tail = atomic.LoadUint64(f.u64(offProd+sideCounter)), atomic.LoadUint64(f.u64(offCons+sideCounter))
	if head-tail > uint64(f.Blocks) {
		return head, tail, fmt.Errorf("key %s: %w: head %d and tail %d are %d apart, more than blocks %d",
			KeyString(f.Key), ErrCorrupt, head, tail, head-tail, f.Blocks)
	}
	return head, tail, nil
}

// FutexCalls is what each side of a posix FIFO counted: FUTEX_WAIT and
// FUTEX_WAKE calls made by producers (puts) and by consumers (gets).
type FutexCalls struct{ PutWaits, PutWakes, GetWaits, GetWakes uint64 }

// Total is every futex call counted.
func (c FutexCalls) Total() uint64 { return c.PutWaits + c.PutWakes + c.GetWaits + c.GetWakes }

func (f *Fifo) futexCalls() FutexCalls {
	return FutexCalls{
		atomic.LoadUint64(f.u64(offProd + sideWaits)), atomic.LoadUint64(f.u64(offProd + sideWakes)),
		atomic.LoadUint64(f.u64(offCons + sideWaits)), atomic.LoadUint64(f.u64(offCons + sideWakes)),
	}
}

// statPosix fills the semaphore part of Status from the sync area.
func (f *Fifo) statPosix(s *Status) error {
	s.Futex = f.futexCalls()
	if f.SPSC {
		head, tail, err := f.ringState()
		if err != nil {
			return err
		}
		s.Filled, s.Free, s.Mutex = int(head-tail), f.Blocks-int(head-tail), -1
		s.Head, s.Tail = head, tail
		s.RdIndex, s.WrIndex = uint32(tail%uint64(f.Blocks)), uint32(head%uint64(f.Blocks))
		s.ProdWaiting = atomic.LoadUint32(f.u32(offProdWaiting)) != 0
		s.ConsWaiting = atomic.LoadUint32(f.u32(offConsWaiting)) != 0
		return nil
	}
	s.Mutex, s.Free, s.Filled = 1, int(f.futexFree.Value()), int(f.futexFilled.Value())
	if f.robust.Held() {
		s.Mutex = 0
	}
	s.Waiters = int(f.futexFree.Waiters() + f.futexFilled.Waiters())
	s.Waiting = [3]int{-1, int(f.futexFree.Waiters()), int(f.futexFilled.Waiters())}
	s.MutexWaiters = atomic.LoadUint32(f.robust.word())&futexWaiters != 0
	s.MutexOwner, s.MutexOwnerDied = f.robust.Owner(), f.robust.OwnerDied()
	s.MutexRecovered = atomic.LoadUint64(f.robust.Recovered)
	return nil
}

// Sem is a process-shared POSIX semaphore in the memory of the segment,
// laid out as glibc's struct new_sem on a 64-bit machine (sem_t is 32
// bytes): a 64-bit data word whose low 32 bits are the value and high 32
// bits the number of waiters, then int private (semShared). A C program
// uses it with glibc's sem_wait(3) and sem_post(3) (c_glibc_posix). Wait
// and Post are in lab_fast.go.
type Sem struct {
	Word         *uint64 // the data word
	Dead         *uint32 // set by destroy: waiters return EIDRM
	Waits, Wakes *uint64 // counters of FUTEX_WAIT and FUTEX_WAKE calls (may be nil)
}

// Value is the semaphore's value, what sem_getvalue(3) returns.
func (s *Sem) Value() uint32 { return uint32(atomic.LoadUint64(s.Word)) }

// Waiters is the number of waiters registered in the high half.
func (s *Sem) Waiters() uint32 { return uint32(atomic.LoadUint64(s.Word) >> semNwaitersShift) }

// semNwaitersShift is glibc's SEM_NWAITERS_SHIFT.
const semNwaitersShift = 32

// low32 is the 32-bit half of a 64-bit word that holds its low bits: the
// futex word of a sem_t (the value) or of a ring counter. On a little-endian
// machine (x86-64, arm64) it is the first half; glibc's SEM_VALUE_OFFSET.
func low32(w *uint64) *uint32 {
	p := unsafe.Pointer(w)
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		p = unsafe.Add(p, 4) // big-endian
	}
	return (*uint32)(p)
}

// bump counts one futex call on a counter of the segment.
func bump(c *uint64) {
	if c != nil {
		atomic.AddUint64(c, 1)
	}
}

// robustLock is the FIFO's robust mutex as Put and Get use it. Taken from a
// dead owner (EOWNERDEAD), it is made consistent at once: what it guards,
// rd_index and wr_index, each change by one store after the copy, so
// whatever instant the owner died at, they name whole blocks (a half-copied
// block was not yet counted in an index: the next put writes it again). The
// header checks of f.index catch the rest. What SEM_UNDO does for the
// course's mutex, the robust list does here.
type robustLock struct{ m *Mutex }

func (l robustLock) Lock(timeout time.Duration) error {
	err := l.m.Lock(timeout)
	if errors.Is(err, unix.EOWNERDEAD) {
		if err = l.m.Consistent(); err != nil {
			l.m.Unlock()
		}
	}
	return err
}

func (l robustLock) Unlock() error { return l.m.Unlock() }

// futexSlice bounds one sleep when there is no timeout, so that a waiter
// that checked the dead word just before destroy set it notices within
// this time (destroy's wake-up may come before the waiter sleeps, and it
// does not change the word the waiter sleeps on).
const futexSlice = 250 * time.Millisecond

// deadline is when a wait of timeout gives up (zero for ever or no wait).
func deadline(timeout time.Duration) time.Time {
	if timeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(timeout)
}

// futexSleep is one sleep of a waiter (Sem.Wait, Mutex.Lock) on word while
// it holds val: EIDRM if destroy has marked the FIFO dead, ETIMEDOUT once
// the deadline has passed, else one FUTEX_WAIT of at most futexSlice,
// counted in waits. nil means: look at the word again. Its errors are
// futex's (os.SyscallError "futex").
func futexSleep(word *uint32, val uint32, dead *uint32, waits *uint64, until time.Time, timeout time.Duration) error {
	if atomic.LoadUint32(dead) != 0 {
		return os.NewSyscallError("futex", unix.EIDRM)
	}
	sleep, err := sleepFor(until, timeout)
	if err != nil {
		return os.NewSyscallError("futex", err)
	}
	bump(waits)
	err = FutexWait(word, val, sleep)
	if errors.Is(err, unix.ETIMEDOUT) && (timeout < 0 || time.Now().Before(until)) {
		return nil // only one slice of the sleep ended
	}
	return err
}

// sleepFor is how long one FUTEX_WAIT may last: futexSlice for ever
// (timeout < 0), what is left until the deadline otherwise (ETIMEDOUT once
// nothing is left; EAGAIN at once for a timeout of 0: do not wait).
func sleepFor(until time.Time, timeout time.Duration) (time.Duration, error) {
	switch {
	case timeout < 0:
		return futexSlice, nil
	case timeout == 0:
		return 0, unix.EAGAIN
	}
	d := time.Until(until)
	if d <= 0 {
		return 0, unix.ETIMEDOUT
	}
	return min(d, futexSlice), nil
}

// The waiting side of the SPSC ring, given to RingPut and RingGet
// (lab_fast.go): how long to spin, when to sleep, and the slip.
