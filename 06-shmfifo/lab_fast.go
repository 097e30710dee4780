//go:build linux && (amd64 || arm64) && !exercise

// The fast path of chapter 06 (`init -sync posix`): the synchronisation of
// the FIFO moves out of the kernel and into the segment (001 §1.1: shared
// memory is the fastest IPC once nothing else is in the way).
//
// A System V semaphore is a kernel object: every P and every V is a system
// call, even when nobody has to wait. A futex ("fast user-space mutex") is
// an ordinary 32-bit word in shared memory that the processes change with
// atomic instructions; the kernel is asked only to sleep until the word
// changes (FUTEX_WAIT) and to wake sleepers (FUTEX_WAKE). When nobody waits,
// nothing enters the kernel. glibc's POSIX semaphores (sem_t) and mutexes
// are built this way, and so are these, on glibc's layout: a C program's
// sem_wait and pthread_mutex_lock work on the same words.
//
// Timeouts as everywhere in the chapter: negative waits for ever, 0 does
// not wait, more gives up after that long (ETIMEDOUT).

package main

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FutexWait sleeps while *addr == val (futex(2) FUTEX_WAIT), at most timeout
// (negative: no limit). The kernel compares *addr with val and queues the
// caller atomically, so a FUTEX_WAKE that comes after the caller's last look
// at the word is never lost: if the word changed already, FUTEX_WAIT returns
// EAGAIN at once.
//
// The word is in memory shared between processes, so FUTEX_PRIVATE_FLAG is
// not set: the kernel keys the wait queue on the page (inode and offset),
// not on this process's address.
//
// It returns nil when woken, when the word was not val (EAGAIN) and when a
// signal interrupted the sleep (EINTR): all three mean "look at the word
// again". Errors: ETIMEDOUT (timeout passed), EFAULT (addr not mapped),
// EINVAL (addr not 4-byte aligned).
func FutexWait(addr *uint32, val uint32, timeout time.Duration) error {
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout)) // relative: FUTEX_WAIT takes a duration
		ts = &t
	}
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitOp,
		uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
	switch e {
	case 0, unix.EAGAIN, unix.EINTR:
		return nil
	}
	return os.NewSyscallError("futex", e)
}

// FutexWake wakes at most n processes sleeping in FUTEX_WAIT on addr
// (futex(2) FUTEX_WAKE, shared) and returns how many it woke.
func FutexWake(addr *uint32, n int) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp, uintptr(n), 0, 0, 0)
	if e != 0 {
		return 0, os.NewSyscallError("futex", e)
	}
	return int(r), nil
}

// Wait is sem_wait(3) (sem_timedwait with timeout > 0, sem_trywait with 0),
// the algorithm of glibc's nptl (sem_waitcommon.c) on the 64-bit data word:
//
//   - fast path: while the value is above 0, compare-and-swap it one lower.
//     Nothing enters the kernel.
//   - slow path: add 1 to the waiters (the high half) so that every Post
//     knows to wake someone, then loop: if the value is above 0, take one
//     and leave the waiters in the same compare-and-swap; else FUTEX_WAIT on
//     the value word while it is 0.
//
// Errors: EAGAIN (timeout 0 and the value is 0), ETIMEDOUT (timeout
// passed), EIDRM (the FIFO was destroyed). A waiter that gives up takes
// itself off the waiters.
func (s *Sem) Wait(timeout time.Duration) error {
	// The fast path: a compare-and-swap, no system call.
	d := atomic.LoadUint64(s.Word)
	for uint32(d) > 0 {
		if atomic.CompareAndSwapUint64(s.Word, d, d-1) {
			return nil
		}
		d = atomic.LoadUint64(s.Word)
	}
	if timeout == 0 {
		return os.NewSyscallError("sem_trywait", unix.EAGAIN)
	}
	// The slow path: count ourselves as a waiter, then sleep until a value
	// is there to take.
	until := deadline(timeout)
	const oneWaiter = 1 << semNwaitersShift
	d = atomic.AddUint64(s.Word, oneWaiter)
	for {
		for uint32(d) > 0 {
			if atomic.CompareAndSwapUint64(s.Word, d, d-1-oneWaiter) {
				return nil
			}
			d = atomic.LoadUint64(s.Word)
		}
		if err := futexSleep(low32(s.Word), 0, s.Dead, s.Waits, until, timeout); err != nil {
			atomic.AddUint64(s.Word, ^uint64(oneWaiter-1)) // minus one waiter
			return err
		}
		d = atomic.LoadUint64(s.Word)
	}
}

// Post is sem_post(3) as glibc's nptl does it (sem_post.c): add 1 to the
// value with a compare-and-swap (EOVERFLOW at SEM_VALUE_MAX), and only if
// the high half counts waiters, FUTEX_WAKE one of them. With nobody
// waiting, nothing enters the kernel.
func (s *Sem) Post() error {
	d := atomic.LoadUint64(s.Word)
	for {
		if uint32(d) >= SemValueMax {
			return os.NewSyscallError("sem_post", unix.EOVERFLOW)
		}
		if atomic.CompareAndSwapUint64(s.Word, d, d+1) {
			break
		}
		d = atomic.LoadUint64(s.Word)
	}
	if d>>semNwaitersShift != 0 {
		bump(s.Wakes)
		if _, err := FutexWake(low32(s.Word), 1); err != nil {
			return err
		}
	}
	return nil
}

// Lock is pthread_mutex_lock(3) (pthread_mutex_timedlock with timeout > 0,
// pthread_mutex_trylock with 0) on the FIFO's robust mutex, the algorithm
// of glibc's nptl (pthread_mutex_lock.c, PTHREAD_MUTEX_ROBUST_NORMAL_NP).
// The lock word is 0 when free, else the owner's id (robustTID: this
// process's pid), with FUTEX_WAITERS set once anybody sleeps on it.
//
// It returns nil with the lock held; or EOWNERDEAD, with the lock held too:
// the kernel had marked the word FUTEX_OWNER_DIED (its owner died holding
// it), or the word names a pid that no longer exists (take), and the caller
// must check what the lock guards, then call Consistent (robust.go) before
// Unlock. Errors: EBUSY (timeout 0, held), ETIMEDOUT,
// EIDRM (the FIFO was destroyed), ENOTRECOVERABLE (a taker from a dead owner
// unlocked it without Consistent), and set_robust_list's error if the list
// could not be registered.
func (m *Mutex) Lock(timeout time.Duration) error {
	if robustErr != nil {
		return os.NewSyscallError("set_robust_list", robustErr)
	}
	robustMu.Lock() // one FIFO mutex held per process (robust.go)
	// Announce the lock in list_op_pending, so that a death between here and
	// the list still reaches the kernel.
	robustPending(m)
	died, err := m.take(timeout)
	if err == nil && !died && int32(atomic.LoadUint32(m.field(mutexOwnerOff))) == mutexNotRecoverable {
		if atomic.SwapUint32(m.word(), 0)&futexWaiters != 0 {
			FutexWake(m.word(), 1)
		}
		err = os.NewSyscallError("pthread_mutex_lock", unix.ENOTRECOVERABLE)
	}
	if err != nil {
		robustPending(nil)
		robustMu.Unlock()
		return err
	}
	// Held: __count 1, on the robust list, pending cleared, __owner set.
	atomic.StoreUint32(m.field(mutexCountOff), 1)
	robustEnqueue(m)
	robustPending(nil)
	if died {
		atomic.StoreUint32(m.field(mutexOwnerOff), mutexInconsistent)
		bump(m.Recovered)
		return unix.EOWNERDEAD
	}
	atomic.StoreUint32(m.field(mutexOwnerOff), uint32(robustTID))
	atomic.AddUint32(m.field(mutexNusersOff), 1)
	return nil
}

// take is Lock's loop on the lock word: a free word (0), or one the kernel
// marked FUTEX_OWNER_DIED, is taken by one compare-and-swap to our id
// (keeping FUTEX_WAITERS); a word held by a live owner gets FUTEX_WAITERS
// and we FUTEX_WAIT on it. A waiter that took the lock after sleeping keeps
// FUTEX_WAITERS in its id (others may still sleep), so its Unlock wakes one.
//
// The kernel marks a dead owner only if the mutex was on its robust list.
// A word that names a process that no longer exists and was never marked
// (a crashed peer that had no robust list, or a scribble) would be waited
// on for ever: before each sleep (and before EBUSY) the owner is asked
// kill(pid, 0), and ESRCH makes the word a dead owner's, taken over the
// same way. Pids are the caller's pid namespace's; a pid reused by a live
// process still counts as the owner.
func (m *Mutex) take(timeout time.Duration) (ownerDied bool, err error) {
	w, id, until := m.word(), uint32(robustTID), deadline(timeout)
	var keep uint32 // FUTEX_WAITERS once we have slept: others may sleep too
	old := atomic.LoadUint32(w)
	for {
		if old == 0 || old&futexOwnerDied != 0 || ownerGone(old, id) {
			if atomic.CompareAndSwapUint32(w, old, id|old&futexWaiters|keep) {
				return old != 0, nil
			}
			old = atomic.LoadUint32(w)
			continue
		}
		if timeout == 0 {
			return false, os.NewSyscallError("pthread_mutex_trylock", unix.EBUSY)
		}
		if old&futexWaiters == 0 {
			if !atomic.CompareAndSwapUint32(w, old, old|futexWaiters) {
				old = atomic.LoadUint32(w)
				continue
			}
			old |= futexWaiters
		}
		keep = futexWaiters
		if err := futexSleep(w, old, m.Dead, m.Waits, until, timeout); err != nil {
			return false, err
		}
		old = atomic.LoadUint32(w)
	}
}

// ownerGone reports whether lock word w (not 0) names no owner that
// exists: no pid at all (only flag bits: nobody's), or another process's
// pid that kill(pid, 0) says ESRCH for (EPERM means it exists).
func ownerGone(w, id uint32) bool {
	pid := w & futexTIDMask
	return pid == 0 || pid != id && errors.Is(unix.Kill(int(pid), 0), unix.ESRCH)
}

// Unlock is pthread_mutex_unlock(3) on the robust mutex: EPERM unless this
// process holds it; __owner back to 0 (or PTHREAD_MUTEX_NOTRECOVERABLE if it
// was taken from a dead owner and never made Consistent); off the robust
// list, with list_op_pending set around it; then one atomic exchange of the
// lock word with 0 and, only if FUTEX_WAITERS was in it, FUTEX_WAKE one.
func (m *Mutex) Unlock() error {
	w := m.word()
	if atomic.LoadUint32(w)&futexTIDMask != uint32(robustTID) {
		return os.NewSyscallError("pthread_mutex_unlock", unix.EPERM)
	}
	owner := uint32(0)
	if int32(atomic.LoadUint32(m.field(mutexOwnerOff))) == mutexInconsistent {
		owner = mutexNotRecoverable
	}
	robustPending(m)
	robustDequeue(m)
	atomic.StoreUint32(m.field(mutexOwnerOff), owner)
	atomic.AddUint32(m.field(mutexNusersOff), ^uint32(0)) // minus one (a dead owner's +1 goes here too)
	var err error
	if atomic.SwapUint32(w, 0)&futexWaiters != 0 {
		bump(m.Wakes)
		_, err = FutexWake(w, 1)
	}
	robustPending(nil)
	robustMu.Unlock()
	return err
}

// RingReserve is the first half of a put that copies nothing (a loan, like
// Aeron's tryClaim or iceoryx's loan) on a single-producer/single-consumer
// ring. No mutex and no semaphore: head counts the messages put, tail those
// taken (both only grow; block = counter mod blocks); only the producer
// writes head and only the consumer writes tail, so each side needs nothing
// but atomic loads and stores of the other's counter. RingReserve waits
// while the ring is full (head - tail == blocks) and returns block head mod
// blocks itself, Blksize bytes, for the producer to fill in place.
//
// Nothing is published yet: the consumer looks only at head, and head moves
// in RingCommit. A producer killed between the two leaves the ring as it
// was, whatever it had written: the next producer reserves the same block.
//
// To sleep, the producer sets its waiting flag, looks at tail once more and
// sleeps in FUTEX_WAIT on tail's low word with the value it saw (ringWait,
// ringwait.go). The consumer stores tail first and reads the flag second;
// sync/atomic's operations are sequentially consistent, so either the
// consumer sees the flag (and wakes) or the producer sees the new tail (and
// does not sleep), and FUTEX_WAIT itself refuses to sleep on a word that
// moved.
//
// One block at a time: a second RingReserve before RingCommit is an error
// (and so is RingPut). Errors: EAGAIN (timeout 0, full), ETIMEDOUT, EIDRM
// (destroyed), ErrCorrupt.
func (f *Fifo) RingReserve(timeout time.Duration) ([]byte, error) {
	if f.reserved {
		return nil, errors.New("RingReserve: a block is reserved already (RingCommit it first)")
	}
	headp, tailp := f.u64(offProd+sideCounter), f.u64(offCons+sideCounter)
	head := atomic.LoadUint64(headp)
	// Full, as far as we last saw? Then wait for the consumer.
	if head-f.seenTail >= uint64(f.Blocks) {
		tail, err := f.ringWait(func(head, tail uint64) bool { return head-tail < uint64(f.Blocks) },
			tailp, f.u32(offProdWaiting), offProd, timeout)
		if err != nil {
			return nil, err
		}
		f.seenTail = tail
	}
	if err := f.checkHeader(); err != nil {
		return nil, err
	}
	f.reserved, f.loanHead = true, head
	return f.block(int(head % uint64(f.Blocks))), nil
}

// RingCommit publishes the block RingReserve returned: one store of head+1,
// after the producer's last write to the block. The store is what the
// consumer waits for, and sync/atomic orders every write made before it
// before every read the consumer makes after its load of head sees it: the
// consumer finds the block whole. Then, only if the consumer said it
// sleeps, it clears the consumer's flag and makes one FUTEX_WAKE on head.
// Error: no block reserved.
func (f *Fifo) RingCommit() error {
	if !f.reserved {
		return errors.New("RingCommit: no block reserved (RingReserve first)")
	}
	f.reserved = false
	headp := f.u64(offProd + sideCounter)
	atomic.StoreUint64(headp, f.loanHead+1)
	// Wake the consumer only if it said it sleeps.
	if w := f.u32(offConsWaiting); atomic.LoadUint32(w) != 0 && atomic.SwapUint32(w, 0) != 0 {
		bump(f.u64(offProd + sideWakes))
		if _, err := FutexWake(low32(headp), 1); err != nil {
			return err
		}
	}
	return nil
}

// RingPeek is the mirror of RingReserve: it waits while the ring is empty
// (head == tail; then, with small blocks, slips a little behind the
// producer) and returns block tail mod blocks itself, for the consumer to
// read in place. The block stays the consumer's until RingRelease: the
// producer cannot write it before tail moves. A consumer killed before
// RingRelease leaves the block in the ring for the next consumer.
//
// No copy: the consumer reads the bytes where the producer wrote them.
// RingGet copies them out of the block (a pipe's read copies them out of
// the kernel's buffer); a consumer that only checks or sums a message needs
// no copy of it.
//
// One block at a time: a second RingPeek before RingRelease is an error.
// Errors: EAGAIN (timeout 0, empty), ETIMEDOUT, EIDRM, ErrCorrupt.
func (f *Fifo) RingPeek(timeout time.Duration) ([]byte, error) {
	if f.peeked {
		return nil, errors.New("RingPeek: a block is peeked already (RingRelease it first)")
	}
	headp, tailp := f.u64(offProd+sideCounter), f.u64(offCons+sideCounter)
	tail := atomic.LoadUint64(tailp)
	// Empty, as far as we last saw? Then wait for the producer.
	if f.seenHead <= tail {
		head, err := f.ringWait(func(head, tail uint64) bool { return head != tail },
			headp, f.u32(offConsWaiting), offCons, timeout)
		if err != nil {
			return nil, err
		}
		f.seenHead = f.slip(head, tail, headp)
	}
	if err := f.checkHeader(); err != nil {
		return nil, err
	}
	f.peeked, f.loanTail = true, tail
	return f.block(int(tail % uint64(f.Blocks))), nil
}

// RingRelease gives the block RingPeek returned back to the producer: one
// store of tail+1, after the consumer's last read of the block (a producer
// that sees the new tail may overwrite it at once). Then, only if the
// producer said it sleeps, it clears the producer's flag and makes one
// FUTEX_WAKE on tail. Error: no block peeked.
func (f *Fifo) RingRelease() error {
	if !f.peeked {
		return errors.New("RingRelease: no block peeked (RingPeek first)")
	}
	f.peeked = false
	tailp := f.u64(offCons + sideCounter)
	atomic.StoreUint64(tailp, f.loanTail+1)
	// Wake the producer only if it said it sleeps.
	if w := f.u32(offProdWaiting); atomic.LoadUint32(w) != 0 && atomic.SwapUint32(w, 0) != 0 {
		bump(f.u64(offCons + sideWakes))
		if _, err := FutexWake(low32(tailp), 1); err != nil {
			return err
		}
	}
	return nil
}

// RingPut is put on the SPSC ring, written on the loan: RingReserve, copy
// msg into the block and zero the rest (a short message must not keep the
// tail of an older one), RingCommit. The copy comes before the store of
// head, so a producer killed at any point leaves no trace but its claim
// (taken over by the next producer). This is the first of a message's two
// copies (the second is RingGet's), as with a pipe's write and read.
// Errors: those of RingReserve and RingCommit, and a message longer than a
// block.
func (f *Fifo) RingPut(msg []byte, timeout time.Duration) error {
	if len(msg) > f.Blksize {
		return fmt.Errorf("message of %d bytes does not fit a block of %d", len(msg), f.Blksize)
	}
	b, err := f.RingReserve(timeout)
	if err != nil {
		return err
	}
	clear(b[copy(b, msg):])
	return f.RingCommit()
}

// RingGet takes the oldest message into dst: RingPeek, copy the block out,
// RingRelease. A consumer killed before the release leaves the block in the
// ring for the next consumer; killed after it, it loses that block (as with
// the semaphores: the message it held).
func (f *Fifo) RingGet(dst []byte, timeout time.Duration) error {
	b, err := f.RingPeek(timeout)
	if err != nil {
		return err
	}
	copy(dst, b)
	return f.RingRelease()
}
