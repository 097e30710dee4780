//go:build linux && (amd64 || arm64) && exercise

// Chapter 06 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise
// ./06-shmfifo` grades every scenario as passing. Read course ep. 30-33
// (System V semaphores, mutual exclusion, producer/consumer, shmfifo) first.
// shm.go and sem.go are given: Open, Close, Stat, the header checks
// (f.index, f.block, f.field, f.setField), Sembuf and the constants.

package main

import (
	"time"

	"shmlab/internal/exercise"
)

// Semget returns the id of the semaphore set at key (semget(2)).
func Semget(key, nsems, flags int) (int, error) {
	// TODO: unix.Syscall(unix.SYS_SEMGET, key, nsems, flags); a non-zero
	// errno is the error (return it as is: callers wrap it with cli.Sys).
	return -1, exercise.Todo("Semget", "ep. 30", "raw unix.Syscall(unix.SYS_SEMGET, key, nsems, flags)")
}

// Semop applies ops to set id atomically; timeout > 0 makes it semtimedop.
func Semop(id int, ops []Sembuf, timeout time.Duration) error {
	// TODO: unix.Syscall(unix.SYS_SEMOP, id, &ops[0], len(ops)), or with
	// timeout > 0 unix.Syscall6(unix.SYS_SEMTIMEDOP, ..., &timespec) with
	// what is left of the timeout. Retry EINTR: semop is never restarted
	// after a signal, and the Go runtime signals itself often.
	return exercise.Todo("Semop", "ep. 30", "raw SYS_SEMOP / SYS_SEMTIMEDOP with a []Sembuf, retrying EINTR")
}

// SemSetVal sets the value of the one semaphore of set id (semctl SETVAL).
func SemSetVal(id, val int) error {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, SETVAL, val, 0, 0).
	return exercise.Todo("SemSetVal", "ep. 30", "raw SYS_SEMCTL with SETVAL and the value as 4th argument")
}

// SemGetVal reads the value of the one semaphore of set id (semctl GETVAL).
func SemGetVal(id int) (int, error) {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, GETVAL, 0, 0, 0): the
	// value is the result.
	return 0, exercise.Todo("SemGetVal", "ep. 30", "raw SYS_SEMCTL with GETVAL")
}

// SemNsems returns how many semaphores set id holds (semctl IPC_STAT).
func SemNsems(id int) (int, error) {
	// TODO: semctl(id, 0, IPC_STAT, &buf) into a [128]byte buffer, then
	// read the uint64 at semidNsemsOffset().
	return 0, exercise.Todo("SemNsems", "ep. 30", "raw SYS_SEMCTL with IPC_STAT; sem_nsems is at semidNsemsOffset()")
}

// SemRemove removes set id (semctl IPC_RMID).
func SemRemove(id int) error {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_RMID, 0, 0, 0).
	return exercise.Todo("SemRemove", "ep. 30", "raw SYS_SEMCTL with IPC_RMID")
}

// Init makes the FIFO at key: segment plus three one-semaphore sets.
func Init(key, blksize, blocks int, perm uint32) (*Fifo, bool, error) {
	// TODO: unix.SysvShmGet(key, HeaderSize+blksize*blocks,
	// IPC_CREAT|IPC_EXCL|perm); on EEXIST, Open(key) and compare the
	// geometry (same: return it with created false; different: an EEXIST
	// error). Attach (unix.SysvShmAttach), write the header with setField,
	// then Semget(key+i, 1, IPC_CREAT|IPC_EXCL|perm) and SemSetVal to 1,
	// blocks, 0. If a step fails, remove what you made.
	return nil, false, exercise.Todo("Init", "ep. 33 shmfifo_init", "shmget + shmat + header + three semget/SETVAL")
}

// Put copies msg into the next free block, NUL-padded.
func (f *Fifo) Put(msg []byte, timeout time.Duration) error {
	if f.Sync == "posix" {
		return f.putPosix(msg, timeout) // given: it calls your Sem.Wait/Post or RingPut
	}
	// TODO: P(free), P(mutex) with SEM_UNDO, i := f.index(hWrIndex) (it
	// checks the header), copy into f.block(i) and clear the rest, advance
	// wr_index modulo f.Blocks, V(mutex) with SEM_UNDO, V(filled). Give the
	// semaphores back if a step after a P fails.
	return exercise.Todo("Put", "ep. 33 shmfifo_put", "P(free) P(mutex, SEM_UNDO) copy advance V(mutex) V(filled)")
}

// Get takes the oldest filled block and returns a copy of it.
func (f *Fifo) Get(timeout time.Duration) ([]byte, error) {
	if f.Sync == "posix" {
		b := make([]byte, f.Blksize) // given: getPosix calls your Sem.Wait/Post or RingGet
		if err := f.getPosix(b, timeout); err != nil {
			return nil, err
		}
		return b, nil
	}
	// TODO: the mirror of Put: P(filled), P(mutex) with SEM_UNDO, copy
	// f.block(rd_index), advance rd_index, V(mutex), V(free).
	return nil, exercise.Todo("Get", "ep. 33 shmfifo_get", "P(filled) P(mutex, SEM_UNDO) copy advance V(mutex) V(free)")
}

// Destroy removes the segment and the three semaphore sets at key.
func Destroy(key int) (int, error) {
	// TODO: shmget(key, 0, 0), markDestroyed(id) (given: it wakes the
	// waiters of a posix FIFO and says whether it was one), shmctl
	// IPC_RMID, then, unless it was posix (no sets), for key, key+1, key+2:
	// Semget(k, 0, 0) + SemRemove. Count what you removed; nothing at all is
	// an ENOENT error.
	return 0, exercise.Todo("Destroy", "ep. 33 shmfifo_destroy", "shmctl IPC_RMID + semctl IPC_RMID on the three sets")
}

// ---- The fast path (-sync posix): read "The fast path" in the README ----

// FutexWait sleeps while *addr == val (futex FUTEX_WAIT, shared), at most
// timeout (0: no limit). nil also for EAGAIN and EINTR ("look again").
func FutexWait(addr *uint32, val uint32, timeout time.Duration) error {
	// TODO: unix.Syscall6(unix.SYS_FUTEX, addr, futexWaitOp, val,
	// &timespec or nil, 0, 0). No FUTEX_PRIVATE_FLAG: the word is shared
	// between processes. The timeout is relative (unix.NsecToTimespec).
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
	// CompareAndSwapUint64(s.Word, d, d-1). Slow path: AddUint64 one
	// waiter (1<<semNwaitersShift); loop { if the value > 0, CAS d to
	// d-1-oneWaiter and return; else futexSleep(low32(s.Word), 0, s.Dead,
	// s.Waits, deadline, timeout) (given in posix.go: one FUTEX_WAIT, EIDRM
	// once the FIFO is destroyed, ETIMEDOUT after the deadline) }. When
	// giving up (ETIMEDOUT, EIDRM) take the waiter off again.
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
// robust list). ownerDied is true when the lock was taken from a dead owner.
func (m *Mutex) Lock(timeout time.Duration) (ownerDied bool, err error) {
	// TODO (glibc nptl pthread_mutex_lock.c, PTHREAD_MUTEX_ROBUST_NORMAL_NP):
	// if robustErr != nil return it; robustMu.Lock(); id := robustTID;
	// robustPending(m); loop on old := *m.word(): 0 -> CAS to id (plus
	// FUTEX_WAITERS once you have slept); futexOwnerDied set -> CAS to
	// id|old&futexWaiters, __count 1, __owner mutexInconsistent,
	// robustEnqueue, robustPending(nil), bump(m.Recovered), return true;
	// else set futexWaiters (CAS) and futexSleep(m.word(), old, m.Dead,
	// m.Waits, deadline, timeout). On an error:
	// robustPending(nil) and robustMu.Unlock(). Taken: __count 1,
	// robustEnqueue, robustPending(nil), __owner id, __nusers+1.
	return false, exercise.Todo("Mutex.Lock", "ep. 31 (a mutex that survives its holder: futex(2) robust futexes)", "CAS 0 -> pid; FUTEX_OWNER_DIED -> take it and report; else set FUTEX_WAITERS and FUTEX_WAIT")
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
	// low32(tail) with the value seen. Then copy into f.block(head mod
	// Blocks) (clear the rest), StoreUint64(head, head+1), and if
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
