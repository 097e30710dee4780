//go:build linux && (amd64 || arm64) && exercise

// Chapter 06 as an exercise, the course's part: the functions of lab.go with
// their bodies replaced by TODOs (the fast path's are in exercise_fast.go).
// Implement them until `go test -tags exercise ./06-shmfifo` grades every
// scenario as passing. Read course ep. 30-33 (System V semaphores, mutual
// exclusion, producer/consumer, shmfifo) first.
//
// Given: shm.go (Open, Close, Stat, Ftok, the header checks f.index,
// f.block, f.field, f.setField), sem.go (Sembuf, the constants, SysvSem and
// bindSysv). Return the kernel's errors as os.NewSyscallError(call, errno)
// with the call's name ("semget", "semop", "semctl SETVAL"...): the
// experiments add what was tried and a hint when they print it.

package main

import (
	"time"

	"shmlab/internal/exercise"
)

// Semget returns the id of the semaphore set at key (semget(2)).
func Semget(key, nsems, flags int) (int, error) {
	// TODO: unix.Syscall(unix.SYS_SEMGET, key, nsems, flags); a non-zero
	// errno is the error: return os.NewSyscallError("semget", errno).
	return -1, exercise.Todo("Semget", "ep. 30", "raw unix.Syscall(unix.SYS_SEMGET, key, nsems, flags)")
}

// Semop applies ops to set id atomically: semop for ever (timeout < 0),
// with IPC_NOWAIT (timeout 0), semtimedop (timeout > 0).
func Semop(id int, ops []Sembuf, timeout time.Duration) error {
	// TODO: unix.Syscall(unix.SYS_SEMOP, id, &ops[0], len(ops)); with
	// timeout 0 add IPC_NOWAIT to every op's Flg (on a copy); with timeout
	// > 0 unix.Syscall6(unix.SYS_SEMTIMEDOP, ..., &timespec) with what is
	// left of the timeout. Retry EINTR: semop is never restarted after a
	// signal, and the Go runtime signals itself often. Errors:
	// os.NewSyscallError("semop" or "semtimedop", errno).
	return exercise.Todo("Semop", "ep. 30", "raw SYS_SEMOP / SYS_SEMTIMEDOP with a []Sembuf, retrying EINTR")
}

// SemSetVal sets the value of the one semaphore of set id (semctl SETVAL).
func SemSetVal(id, val int) error {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, SETVAL, val, 0, 0);
	// errors as os.NewSyscallError("semctl SETVAL", errno).
	return exercise.Todo("SemSetVal", "ep. 30", "raw SYS_SEMCTL with SETVAL and the value as 4th argument")
}

// SemGetVal reads the value of the one semaphore of set id (semctl GETVAL).
func SemGetVal(id int) (int, error) {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, GETVAL, 0, 0, 0): the
	// value is the result; errors as os.NewSyscallError("semctl GETVAL", errno).
	return 0, exercise.Todo("SemGetVal", "ep. 30", "raw SYS_SEMCTL with GETVAL")
}

// SemNsems returns how many semaphores set id holds (semctl IPC_STAT).
func SemNsems(id int) (int, error) {
	// TODO: semctl(id, 0, IPC_STAT, &buf) into a [128]byte buffer, then
	// read the uint64 at semidNsemsOffset(); errors as
	// os.NewSyscallError("semctl IPC_STAT", errno).
	return 0, exercise.Todo("SemNsems", "ep. 30", "raw SYS_SEMCTL with IPC_STAT; sem_nsems is at semidNsemsOffset()")
}

// SemRemove removes set id (semctl IPC_RMID).
func SemRemove(id int) error {
	// TODO: unix.Syscall6(unix.SYS_SEMCTL, id, 0, unix.IPC_RMID, 0, 0, 0);
	// errors as os.NewSyscallError("semctl IPC_RMID", errno).
	return exercise.Todo("SemRemove", "ep. 30", "raw SYS_SEMCTL with IPC_RMID")
}

// Init makes the FIFO at key: segment plus three one-semaphore sets.
func Init(key, blksize, blocks int, perm uint32) (*Fifo, bool, error) {
	// TODO: unix.SysvShmGet(key, HeaderSize+blksize*blocks,
	// IPC_CREAT|IPC_EXCL|perm); on EEXIST, Open(key) and compare the
	// geometry (same: return it with created false; different:
	// os.NewSyscallError("shmget", unix.EEXIST)). Attach
	// (unix.SysvShmAttach) into &Fifo{Key, ShmID, mem, Sync: "sysv",
	// Blksize, Blocks}, write the header with setField, then Semget(key+i,
	// 1, IPC_CREAT|IPC_EXCL|perm) and SemSetVal to 1, blocks, 0 into
	// f.Mutex, f.Free, f.Filled, and f.bindSysv(). If a step fails, remove
	// what you made.
	return nil, false, exercise.Todo("Init", "ep. 33 shmfifo_init", "shmget + shmat + header + three semget/SETVAL")
}

// Put copies msg into the next free block, NUL-padded.
func (f *Fifo) Put(msg []byte, timeout time.Duration) error {
	// TODO: f.free.Wait(timeout) (P), f.mutex.Lock(remaining(start,
	// timeout)), i := f.index(hWrIndex) (it checks the header), copy into
	// f.block(i) and clear the rest, advance wr_index modulo f.Blocks,
	// f.mutex.Unlock() (V), f.filled.Post() (V). Give back what you took if
	// a step after a P fails. The same code must serve the System V sets and
	// the futex ones of -sync posix: use only the interfaces.
	return exercise.Todo("Put", "ep. 33 shmfifo_put", "P(free) P(mutex) copy advance V(mutex) V(filled)")
}

// Get takes the oldest filled block into dst.
func (f *Fifo) Get(dst []byte, timeout time.Duration) error {
	// TODO: the mirror of Put: f.filled.Wait, f.mutex.Lock, copy
	// f.block(rd_index) into dst, advance rd_index, f.mutex.Unlock,
	// f.free.Post.
	return exercise.Todo("Get", "ep. 33 shmfifo_get", "P(filled) P(mutex) copy advance V(mutex) V(free)")
}

// Destroy removes the segment and the three semaphore sets at key.
func Destroy(key int) (int, error) {
	// TODO: shmget(key, 0, 0), markDestroyed(id) (given: it wakes the
	// waiters of a posix FIFO and says whether it was one), shmctl
	// IPC_RMID, then, unless it was posix (no sets), for key, key+1, key+2:
	// Semget(k, 0, 0) + SemRemove. Count what you removed; nothing at all is
	// os.NewSyscallError("shmget", unix.ENOENT).
	return 0, exercise.Todo("Destroy", "ep. 33 shmfifo_destroy", "shmctl IPC_RMID + semctl IPC_RMID on the three sets")
}
