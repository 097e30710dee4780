//go:build linux && (amd64 || arm64) && exercise

// Chapter 06 as an exercise, the course's part: the functions of lab.go with
// their bodies replaced by TODOs (the fast path's are in exercise_fast.go).
// Implement them in this order until `go test -tags exercise ./06-shmfifo`
// grades every scenario as passing. Read course ep. 30-33 (System V
// semaphores, mutual exclusion, producer/consumer, shmfifo) first. For help
// in levels (the idea, the call, the shape of the code):
// go run -tags exercise ./06-shmfifo hint FUNC -level N.
//
// Given: shm.go (Open, Close, Stat, Ftok, the header checks f.index,
// f.block, f.setField), sem.go (Sembuf, the constants, SysvSem and
// bindSysv). Return a failed call bare, as os.NewSyscallError(CALL, errno),
// CALL being the name the doc comment gives ("semget", "semop",
// "semtimedop", "semctl SETVAL"...): the program prints `CALL: ERRNO` and
// the scenarios look for lines such as `semctl SETVAL: ERANGE`.

package main

import (
	"time"

	"shmlab/internal/exercise"
)

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// Semget is semget(2): the id of the semaphore set (信号量集) at key, found
// or made as flags say ("semget"). Course ep. 30; man semget(2).
func Semget(key, nsems, flags int) (int, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint Semget
	return -1, exercise.Todo("Semget", "course ep. 30", "go run -tags exercise ./06-shmfifo hint Semget")
}

// Semop applies ops to set id atomically, P and V (PV原语): waiting for ever
// (timeout < 0), not at all (0), or at most timeout ("semop",
// "semtimedop"). Course ep. 30; man semop(2), signal(7).
func Semop(id int, ops []Sembuf, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint Semop
	return exercise.Todo("Semop", "course ep. 30", "go run -tags exercise ./06-shmfifo hint Semop")
}

// SemSetVal sets the value of the one semaphore of set id ("semctl
// SETVAL"). Course ep. 30; man semctl(2).
func SemSetVal(id, val int) error {
	// TODO: go run -tags exercise ./06-shmfifo hint SemSetVal
	return exercise.Todo("SemSetVal", "course ep. 30", "go run -tags exercise ./06-shmfifo hint SemSetVal")
}

// SemRemove removes set id at once ("semctl IPC_RMID"). Course ep. 30; man
// semctl(2).
func SemRemove(id int) error {
	// TODO: go run -tags exercise ./06-shmfifo hint SemRemove
	return exercise.Todo("SemRemove", "course ep. 30", "go run -tags exercise ./06-shmfifo hint SemRemove")
}

// SemGetVal reads the value of the one semaphore of set id ("semctl
// GETVAL"). Course ep. 30; man semctl(2).
func SemGetVal(id int) (int, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint SemGetVal
	return 0, exercise.Todo("SemGetVal", "course ep. 30", "go run -tags exercise ./06-shmfifo hint SemGetVal")
}

// SemNsems returns how many semaphores set id holds, from its semid_ds
// ("semctl IPC_STAT"). Course ep. 30; man semctl(2).
func SemNsems(id int) (int, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint SemNsems
	return 0, exercise.Todo("SemNsems", "course ep. 30", "go run -tags exercise ./06-shmfifo hint SemNsems")
}

// Init makes the FIFO at key, the course's shmfifo_init: a segment of a
// header and blocks, and three one-semaphore sets (mutex, free, filled), all
// with mode perm; or opens the same FIFO made before (created false).
// Course ep. 33; man shmget(2), semget(2), semctl(2).
func Init(key, blksize, blocks int, perm uint32) (*Fifo, bool, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint Init
	return nil, false, exercise.Todo("Init", "course ep. 33", "go run -tags exercise ./06-shmfifo hint Init")
}

// Destroy removes the FIFO at key, the course's shmfifo_destroy, and says
// how many objects it removed; a posix FIFO's waiters are told only once
// its segment is really removed. Course ep. 33; man shmctl(2), semctl(2).
func Destroy(key int) (int, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint Destroy
	return 0, exercise.Todo("Destroy", "course ep. 33", "go run -tags exercise ./06-shmfifo hint Destroy")
}

// Put copies msg into the next free block, the course's shmfifo_put (生产者
// 消费者问题), over f.free, f.mutex and f.filled. Course ep. 33; man semop(2).
func (f *Fifo) Put(msg []byte, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint Put
	return exercise.Todo("Put", "course ep. 33", "go run -tags exercise ./06-shmfifo hint Put")
}

// Get takes the oldest filled block into dst, the course's shmfifo_get.
// Course ep. 33; man semop(2).
func (f *Fifo) Get(dst []byte, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint Get
	return exercise.Todo("Get", "course ep. 33", "go run -tags exercise ./06-shmfifo hint Get")
}
