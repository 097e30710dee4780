//go:build linux && (amd64 || arm64) && exercise

// Chapter 06 as an exercise, the fast path: the functions of lab_fast.go
// with their bodies replaced by TODOs. Do the course's part (exercise.go)
// first. Given: syncarea.go (the sync area's layout, InitPosix, Sem's
// fields, futexSleep, sleepFor, deadline, low32, bump, the SPSC claim) and
// robust.go (the pthread_mutex_t layout, the robust list, Consistent).
// Return the kernel's errors as os.NewSyscallError(call, errno).

package main

import (
	"time"

	"shmlab/internal/exercise"
)

// FutexWait sleeps while *addr == val (futex FUTEX_WAIT, shared), at most
// timeout (negative: no limit). nil also for EAGAIN and EINTR ("look again").
func FutexWait(addr *uint32, val uint32, timeout time.Duration) error {
	// TODO: unix.Syscall6(unix.SYS_FUTEX, addr, futexWaitOp, val,
	// &timespec or nil, 0, 0). No FUTEX_PRIVATE_FLAG: the word is shared
	// between processes. The timeout is relative (unix.NsecToTimespec).
	// Other errors: os.NewSyscallError("futex", errno).
	return exercise.Todo("FutexWait", "001 §1.1 (futex(2) FUTEX_WAIT)", "raw SYS_FUTEX with futexWaitOp on the shared word")
}

// FutexWake wakes at most n waiters on addr (futex FUTEX_WAKE, shared).
func FutexWake(addr *uint32, n int) (int, error) {
	// TODO: unix.Syscall6(unix.SYS_FUTEX, addr, futexWakeOp, n, 0, 0, 0);
	// the result is how many were woken.
	return 0, exercise.Todo("FutexWake", "001 §1.1 (futex(2) FUTEX_WAKE)", "raw SYS_FUTEX with futexWakeOp")
}

// Wait is sem_wait on a glibc-layout sem_t in the segment: s.Word holds the
// value (low 32 bits) and the number of waiters (high 32 bits).
func (s *Sem) Wait(timeout time.Duration) error {
	// TODO (glibc nptl sem_waitcommon.c): fast path: while the value > 0,
	// CompareAndSwapUint64(s.Word, d, d-1). With timeout 0 stop there
	// (EAGAIN). Slow path: AddUint64 one waiter (1<<semNwaitersShift);
	// loop { if the value > 0, CAS d to d-1-oneWaiter and return; else
	// futexSleep(low32(s.Word), 0, s.Dead, s.Waits, deadline(timeout),
	// timeout) (given: one FUTEX_WAIT, EIDRM once the FIFO is destroyed,
	// ETIMEDOUT after the deadline) }. When giving up take the waiter off.
	return exercise.Todo("Sem.Wait", "001 §1.1 (sem_wait on a futex)", "CAS on the 64-bit word, FUTEX_WAIT on its low half when 0")
}

// Post is sem_post on the same word.
func (s *Sem) Post() error {
	// TODO (glibc nptl sem_post.c): CAS d to d+1 (EOVERFLOW at
	// SemValueMax); if d>>semNwaitersShift != 0, bump(s.Wakes) and
	// FutexWake(low32(s.Word), 1).
	return exercise.Todo("Sem.Post", "001 §1.1 (sem_post on a futex)", "CAS +1, FUTEX_WAKE only if waiters are counted")
}

// Lock is pthread_mutex_lock on the FIFO's robust process-shared mutex
// (glibc's pthread_mutex_t in the segment; robust.go has the layout and the
// robust list): nil, or EOWNERDEAD (held, taken from a dead owner).
func (m *Mutex) Lock(timeout time.Duration) error {
	// TODO (glibc nptl pthread_mutex_lock.c, PTHREAD_MUTEX_ROBUST_NORMAL_NP):
	// if robustErr != nil return it; robustMu.Lock(); robustPending(m);
	// loop on old := *m.word(): 0 or futexOwnerDied set -> CAS to
	// robustTID|old&futexWaiters (plus futexWaiters once you have slept);
	// timeout 0 -> EBUSY; else set futexWaiters (CAS) and futexSleep(
	// m.word(), old, m.Dead, m.Waits, deadline(timeout), timeout). On an
	// error: robustPending(nil), robustMu.Unlock(). Taken: __count 1,
	// robustEnqueue, robustPending(nil); from a dead owner __owner
	// mutexInconsistent, bump(m.Recovered), return unix.EOWNERDEAD; else
	// __owner robustTID, __nusers+1.
	return exercise.Todo("Mutex.Lock", "ep. 31 (a mutex that survives its holder: futex(2) robust futexes)", "CAS 0 -> pid; FUTEX_OWNER_DIED -> take it and report; else set FUTEX_WAITERS and FUTEX_WAIT")
}

// Unlock is pthread_mutex_unlock on the robust mutex.
func (m *Mutex) Unlock() error {
	// TODO: EPERM unless *m.word()&futexTIDMask == robustTID; __owner 0
	// (mutexNotRecoverable if it is mutexInconsistent); robustPending(m),
	// robustDequeue(m); __nusers-1; SwapUint32(m.word(), 0) and, if
	// futexWaiters was set, bump(m.Wakes) and FutexWake(m.word(), 1);
	// robustPending(nil); robustMu.Unlock().
	return exercise.Todo("Mutex.Unlock", "ep. 31 (robust futexes)", "off the robust list, exchange the word with 0, FUTEX_WAKE if FUTEX_WAITERS")
}

// RingPut puts msg on a lock-free single-producer/single-consumer ring.
func (f *Fifo) RingPut(msg []byte, timeout time.Duration) error {
	// TODO: head := f.u64(offProd+sideCounter), tail := f.u64(offCons+
	// sideCounter). While head-tail == Blocks: set the waiting flag
	// f.u32(offProdWaiting), look at tail again, FutexWait on
	// low32(tail) with the value seen (EAGAIN at once for timeout 0,
	// sleepFor for the rest). Then copy into f.block(head mod Blocks)
	// (clear the rest), StoreUint64(head, head+1), and if
	// SwapUint32(f.u32(offConsWaiting), 0) != 0, FutexWake(low32(head), 1).
	return exercise.Todo("RingPut", "001 §1.1 (SPSC ring)", "atomic head/tail, FUTEX_WAIT only when full, wake only a flagged consumer")
}

// RingGet takes the oldest message of the ring into dst.
func (f *Fifo) RingGet(dst []byte, timeout time.Duration) error {
	// TODO: the mirror of RingPut: wait while head == tail (flag
	// offConsWaiting, sleep on low32(head)), copy f.block(tail mod
	// Blocks) into dst, StoreUint64(tail, tail+1), wake a flagged producer
	// on low32(tail).
	return exercise.Todo("RingGet", "001 §1.1 (SPSC ring)", "the mirror of RingPut")
}
