//go:build linux && (amd64 || arm64)

// What the semaphore wrappers of lab.go (and of your exercise.go) share: the
// kernel's struct sembuf and the semctl commands, which golang.org/x/sys/unix
// does not define, and SysvSem, a System V semaphore as Put and Get use it.
// Given in both builds.

package main

import (
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sembuf is struct sembuf of <sys/sem.h>, as semop(2) reads it:
//
//	struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; };
//
// Num is the index of the semaphore in its set (0 here: every set of the FIFO
// holds one semaphore). Op < 0 is P (wait until the value is at least -Op,
// then subtract), Op > 0 is V (add), Op == 0 waits for zero. Flg is 0,
// SEM_UNDO, IPC_NOWAIT or both.
type Sembuf struct {
	Num uint16
	Op  int16
	Flg int16
}

// The flags and semctl commands of <sys/ipc.h>, <sys/sem.h> and <linux/sem.h>.
const (
	IPC_NOWAIT = 0x800  // fail with EAGAIN instead of waiting
	SEM_UNDO   = 0x1000 // undo the operation when the process exits
	GETVAL     = 12     // semctl: read the value of one semaphore
	GETNCNT    = 14     // semctl: how many processes wait for the value to rise
	SETVAL     = 16     // semctl: set the value of one semaphore
	SEMVMX     = 32767  // the largest value a semaphore (and an undo counter) may hold
)

// Forever is the timeout that never gives up. Every wait of this chapter
// takes a timeout the same way: negative waits for ever, 0 does not wait at
// all (EAGAIN at once if it would), more gives up after that long.
const Forever time.Duration = -1

// semidNsemsOffset is where sem_nsems sits in the struct semid64_ds that
// semctl(IPC_STAT) fills: after the 48-byte struct ipc64_perm, x86-64 keeps
// two padding words beside sem_otime and sem_ctime, the generic 64-bit layout
// (arm64, riscv64...) does not.
func semidNsemsOffset() int {
	if runtime.GOARCH == "amd64" {
		return 48 + 4*8
	}
	return 48 + 2*8
}

// SysvSem is the one semaphore of a System V set as Put and Get see it: P is
// Wait (Lock for the mutex), V is Post (Unlock), each one semop(2) with the
// flags in Flg.
type SysvSem struct {
	ID  int   // the set's id (semget)
	Flg int16 // SEM_UNDO or 0
}

// Wait is P: wait until the value is above 0, then take one (semop, or
// semtimedop with a timeout > 0; IPC_NOWAIT with 0).
func (s SysvSem) Wait(timeout time.Duration) error {
	return Semop(s.ID, []Sembuf{{Op: -1, Flg: s.Flg}}, timeout)
}

// Post is V: add one, waking a process that waits in P.
func (s SysvSem) Post() error {
	return Semop(s.ID, []Sembuf{{Op: 1, Flg: s.Flg}}, Forever)
}

// Lock and Unlock are P and V on a semaphore used as a mutex.
func (s SysvSem) Lock(timeout time.Duration) error { return s.Wait(timeout) }
func (s SysvSem) Unlock() error                    { return s.Post() }

// bindSysv makes the FIFO's three System V sets what Put and Get wait on.
// Only the mutex carries SEM_UNDO: if a process dies inside put or get, the
// kernel gives the mutex back. The counting semaphores cannot: one process
// does P and another V, so each side's undo counter only grows (ERANGE after
// 32767 operations: `shmfifo undo`), and at exit the kernel would "undo"
// messages delivered long ago.
func (f *Fifo) bindSysv() {
	f.mutex = SysvSem{ID: f.Mutex, Flg: SEM_UNDO}
	f.free = SysvSem{ID: f.Free}
	f.filled = SysvSem{ID: f.Filled}
}

// semWaiting is semctl(GETNCNT) on the one semaphore of set id: how many
// processes sleep in semop waiting for its value to rise. Given: `stat`
// shows with it who waits where (a consumer in P(filled), a producer in
// P(free), anyone in P(mutex)).
func semWaiting(id int) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, GETNCNT, 0, 0, 0)
	if e != 0 {
		return 0, os.NewSyscallError("semctl GETNCNT", e)
	}
	return int(r), nil
}

// semMode is the permission bits of set id as the kernel keeps them: the
// mode field of the struct ipc64_perm at the start of the semid64_ds that
// semctl(IPC_STAT) fills (after key, uid, gid, cuid and cgid, 4 bytes
// each). Given: `stat` reads the modes back.
func semMode(id int) (uint32, error) {
	var ds [128]byte
	_, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_STAT, uintptr(unsafe.Pointer(&ds[0])), 0, 0)
	if e != 0 {
		return 0, os.NewSyscallError("semctl IPC_STAT", e)
	}
	return *(*uint32)(unsafe.Pointer(&ds[20])) & 0o777, nil
}
