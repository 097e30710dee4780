//go:build linux && (amd64 || arm64)

// The plumbing of the robust mutex of a -sync posix FIFO: glibc's
// pthread_mutex_t (process-shared, robust) laid out in the segment, and this
// process's robust futex list, which the kernel walks when the process dies.
// Given in both builds; Mutex.Lock and Mutex.Unlock, the lesson, are in
// lab_fast.go.
//
// Why a robust mutex: a futex word is plain memory, and nothing like
// SEM_UNDO gives a lock back when its holder is killed. Linux has another
// answer (futex(2), "robust futexes"; set_robust_list(2)): the lock word
// holds the owner's thread id, and every thread registers with the kernel
// the head of a list of the robust locks it holds. When a thread dies, for
// whatever reason, the kernel walks its list and, in each lock word that
// still holds the dead thread's id, sets FUTEX_OWNER_DIED and wakes one
// waiter. The next locker sees the bit, takes the lock, and is told
// (EOWNERDEAD) that it must check what the lock protects.
//
// In a Go program a goroutine moves between threads, so the lock word holds
// the id of one thread that lives as long as the process, the main thread
// (whose id is the pid), and that thread's list is the one registered: the
// kernel walks it when the process dies, by a signal or by exit. One
// consequence: in one process only one goroutine may hold a FIFO mutex at a
// time (robustMu serialises them), as if the process were one thread; a
// second goroutine's Lock waits for the first one's Unlock without a
// timeout. The programs of this chapter lock from one goroutine only.

package main

import (
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// glibc's struct __pthread_mutex_s on x86-64 and arm64 (40 bytes):
//
//	int __lock;          +0   the futex word: owner's tid | FUTEX_WAITERS | FUTEX_OWNER_DIED
//	unsigned __count;    +4   1 while locked (recursion count)
//	int __owner;         +8   owner's tid, or PTHREAD_MUTEX_INCONSISTENT/NOTRECOVERABLE
//	unsigned __nusers;   +12
//	int __kind;          +16  PTHREAD_MUTEX_ROBUST_NORMAL_NP | PTHREAD_MUTEX_PSHARED_BIT
//	short __spins, __elision;  +20
//	__pthread_list_t __list;   +24 prev, +32 next: this mutex's links in the holder's robust list
//
// What pthread_mutex_init with PTHREAD_PROCESS_SHARED and
// PTHREAD_MUTEX_ROBUST writes: zeros and __kind = 16|128 = 144 (checked
// against glibc 2.36 by c_glibc_posix).
const (
	mutexSize      = 40
	mutexCountOff  = 4
	mutexOwnerOff  = 8
	mutexNusersOff = 12
	mutexKindOff   = 16
	mutexPrevOff   = 24
	mutexNextOff   = 32
	mutexKind      = 16 | 128 // PTHREAD_MUTEX_ROBUST_NORMAL_NP | PTHREAD_MUTEX_PSHARED_BIT

	// Bits of the lock word, from <linux/futex.h>.
	futexWaiters   = 0x80000000 // someone sleeps (or slept) in FUTEX_WAIT on the word: unlock must wake
	futexOwnerDied = 0x40000000 // set by the kernel: the owner died holding the lock
	futexTIDMask   = 0x3fffffff

	// glibc's marks in __owner.
	mutexInconsistent   = 1<<31 - 1 // taken from a dead owner, not yet marked consistent
	mutexNotRecoverable = 1<<31 - 2 // unlocked while inconsistent: unusable for good
)

// Mutex is the FIFO's mutex in the segment: a process-shared robust
// pthread_mutex_t. Lock and Unlock are in lab_fast.go.
type Mutex struct {
	p            unsafe.Pointer // the pthread_mutex_t in the segment
	Dead         *uint32        // set by destroy: waiters return EIDRM
	Waits, Wakes *uint64        // counters of FUTEX_WAIT and FUTEX_WAKE calls
	Recovered    *uint64        // times a lock was taken from a dead owner
}

// word is the lock word, the futex.
func (m *Mutex) word() *uint32 { return (*uint32)(m.p) }

func (m *Mutex) field(off uintptr) *uint32 { return (*uint32)(unsafe.Add(m.p, off)) }

// Held reports whether the lock word names an owner (alive or not yet
// found dead).
func (m *Mutex) Held() bool { return atomic.LoadUint32(m.word())&futexTIDMask != 0 }

// OwnerDied reports whether the kernel has marked the lock's owner dead and
// nobody has taken the lock since.
func (m *Mutex) OwnerDied() bool { return atomic.LoadUint32(m.word())&futexOwnerDied != 0 }

// Owner is the pid (tid) that holds the lock, 0 if none.
func (m *Mutex) Owner() int { return int(atomic.LoadUint32(m.word()) & futexTIDMask) }

// Consistent is pthread_mutex_consistent(3): after Lock reported a dead
// owner, the caller has checked what the mutex protects and says it is
// usable again. Unlocking without it makes the mutex unusable for good
// (ENOTRECOVERABLE), as glibc does.
func (m *Mutex) Consistent() error {
	if int32(atomic.LoadUint32(m.field(mutexOwnerOff))) != mutexInconsistent {
		return os.NewSyscallError("pthread_mutex_consistent", unix.EINVAL)
	}
	atomic.StoreUint32(m.field(mutexOwnerOff), uint32(robustTID))
	return nil
}

// initMutex writes what pthread_mutex_init writes for a process-shared
// robust mutex.
func initMutex(p unsafe.Pointer) {
	clear(unsafe.Slice((*byte)(p), mutexSize))
	*(*uint32)(unsafe.Add(p, mutexKindOff)) = mutexKind
}

// robustListHead is struct robust_list_head of <linux/futex.h>: the head
// of this process's list, the distance from an entry to its lock word,
// and the entry being locked or unlocked right now (list_op_pending), which
// the kernel also looks at, for a death between the lock word and the list.
type robustListHead struct {
	list          uintptr // first entry (&mutex.__list.__next), or &list itself when empty
	futexOffset   int64   // lock word = entry + futexOffset
	listOpPending uintptr
}

var (
	robustHead robustListHead // registered with the kernel: never moves (a global)
	robustTID  int            // the main thread's id (= pid), the owner id this process writes
	robustErr  error          // why registration failed, if it did
	robustMu   sync.Mutex     // one FIFO mutex held per process at a time
)

// init registers the robust list on the main thread: Go runs package init
// there (the main goroutine is locked to it during init), and the main
// thread lives as long as the process.
func init() {
	robustHead.list = uintptr(unsafe.Pointer(&robustHead.list))
	robustHead.futexOffset = -mutexNextOff
	robustTID = unix.Gettid()
	if robustTID != unix.Getpid() {
		robustErr = unix.EDEADLK // not the main thread: the list would die with another
		return
	}
	_, _, e := unix.RawSyscall(unix.SYS_SET_ROBUST_LIST, uintptr(unsafe.Pointer(&robustHead)), unsafe.Sizeof(robustHead), 0)
	if e != 0 {
		robustErr = e
	}
}

// robustPending sets list_op_pending: the entry of m while it is being
// locked or unlocked, 0 after.
func robustPending(m *Mutex) {
	var e uintptr
	if m != nil {
		e = uintptr(unsafe.Add(m.p, mutexNextOff))
	}
	atomic.StoreUintptr(&robustHead.listOpPending, e)
}

// robustEnqueue puts m, just locked, on the list (this process holds at most
// one, so the list is the head and m). The links are written before the
// head points to m: the kernel may read the list at any moment.
func robustEnqueue(m *Mutex) {
	head := uintptr(unsafe.Pointer(&robustHead.list))
	*(*uintptr)(unsafe.Add(m.p, mutexNextOff)) = head
	*(*uintptr)(unsafe.Add(m.p, mutexPrevOff)) = head
	atomic.StoreUintptr(&robustHead.list, uintptr(unsafe.Add(m.p, mutexNextOff)))
}

// robustDequeue takes m off the list before it is unlocked.
func robustDequeue(m *Mutex) {
	atomic.StoreUintptr(&robustHead.list, uintptr(unsafe.Pointer(&robustHead.list)))
	*(*uintptr)(unsafe.Add(m.p, mutexNextOff)) = 0
	*(*uintptr)(unsafe.Add(m.p, mutexPrevOff)) = 0
}
