//go:build linux && exercise

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
	// TODO: P(free), P(mutex) with SEM_UNDO, i := f.index(hWrIndex) (it
	// checks the header), copy into f.block(i) and clear the rest, advance
	// wr_index modulo f.Blocks, V(mutex) with SEM_UNDO, V(filled). Give the
	// semaphores back if a step after a P fails.
	return exercise.Todo("Put", "ep. 33 shmfifo_put", "P(free) P(mutex, SEM_UNDO) copy advance V(mutex) V(filled)")
}

// Get takes the oldest filled block and returns a copy of it.
func (f *Fifo) Get(timeout time.Duration) ([]byte, error) {
	// TODO: the mirror of Put: P(filled), P(mutex) with SEM_UNDO, copy
	// f.block(rd_index), advance rd_index, V(mutex), V(free).
	return nil, exercise.Todo("Get", "ep. 33 shmfifo_get", "P(filled) P(mutex, SEM_UNDO) copy advance V(mutex) V(free)")
}

// Destroy removes the segment and the three semaphore sets at key.
func Destroy(key int) (int, error) {
	// TODO: shmget(key, 0, 0) + shmctl IPC_RMID, then for key, key+1,
	// key+2: Semget(k, 0, 0) + SemRemove. Count what you removed; nothing
	// at all is an ENOENT error.
	return 0, exercise.Todo("Destroy", "ep. 33 shmfifo_destroy", "shmctl IPC_RMID + semctl IPC_RMID on the three sets")
}
