//go:build linux && (amd64 || arm64) && exercise

// Chapter 06 as an exercise, the fast path: the functions of lab_fast.go
// with their bodies replaced by TODOs, in the order to implement them, after
// the course's part (exercise.go): the futex calls, the ring's loan
// (reserve, commit, peek, release) and the put and get on it, the
// semaphore, the mutex. The notes only say that processes sharing memory need a
// synchronisation mechanism such as a mutex or a semaphore (001 §1.1) and
// name POSIX semaphores and mutexes (course ep. 39); how these are built on
// a futex is in the man pages: futex(2), sem_overview(7),
// pthread_mutex_lock(3), set_robust_list(2). For help in levels:
// go run -tags exercise ./06-shmfifo hint FUNC -level N.
//
// Given: syncarea.go (the sync area's layout, InitPosix, Sem's fields,
// futexSleep, sleepFor, deadline, low32, bump, ringWait, slip, the SPSC
// claim) and robust.go (the pthread_mutex_t layout, the robust list,
// Consistent). Return a failed call as os.NewSyscallError(CALL, errno).

package main

import (
	"time"

	"shmlab/internal/exercise"
)

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// FutexWait sleeps while *addr == val (futex(2) FUTEX_WAIT, shared between
// processes), at most timeout (negative: no limit); nil also when the word
// was not val or a signal came ("futex"). Man futex(2).
func FutexWait(addr *uint32, val uint32, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint FutexWait
	return exercise.Todo("FutexWait", "001 §1.1; futex(2)", "go run -tags exercise ./06-shmfifo hint FutexWait")
}

// FutexWake wakes at most n processes sleeping on addr (futex(2)
// FUTEX_WAKE, shared) and says how many ("futex"). Man futex(2).
func FutexWake(addr *uint32, n int) (int, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint FutexWake
	return 0, exercise.Todo("FutexWake", "001 §1.1; futex(2)", "go run -tags exercise ./06-shmfifo hint FutexWake")
}

// RingReserve waits for a free block of the lock-free single-producer/
// single-consumer ring (环形缓冲区) of an `init -sync posix -ring spsc` FIFO
// and returns the block itself, to fill in place; nothing is published
// until RingCommit. A second RingReserve before RingCommit is an error.
// Course ep. 33; man futex(2).
func (f *Fifo) RingReserve(timeout time.Duration) ([]byte, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint RingReserve
	return nil, exercise.Todo("RingReserve", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingReserve")
}

// RingCommit publishes the block RingReserve returned and wakes a consumer
// that sleeps; an error without a reserved block. Course ep. 33; man
// futex(2).
func (f *Fifo) RingCommit() error {
	// TODO: go run -tags exercise ./06-shmfifo hint RingCommit
	return exercise.Todo("RingCommit", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingCommit")
}

// RingPeek waits for the oldest filled block of the ring and returns the
// block itself, to read in place; a second RingPeek before RingRelease is
// an error. Course ep. 33; man futex(2).
func (f *Fifo) RingPeek(timeout time.Duration) ([]byte, error) {
	// TODO: go run -tags exercise ./06-shmfifo hint RingPeek
	return nil, exercise.Todo("RingPeek", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingPeek")
}

// RingRelease gives the block RingPeek returned back to the producer and
// wakes a producer that sleeps; an error without a peeked block. Course
// ep. 33; man futex(2).
func (f *Fifo) RingRelease() error {
	// TODO: go run -tags exercise ./06-shmfifo hint RingRelease
	return exercise.Todo("RingRelease", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingRelease")
}

// RingPut puts msg on the ring, on top of RingReserve and RingCommit.
// Course ep. 33.
func (f *Fifo) RingPut(msg []byte, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint RingPut
	return exercise.Todo("RingPut", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingPut")
}

// RingGet takes the oldest message of the ring into dst, on top of
// RingPeek and RingRelease. Course ep. 33.
func (f *Fifo) RingGet(dst []byte, timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint RingGet
	return exercise.Todo("RingGet", "course ep. 33; futex(2)", "go run -tags exercise ./06-shmfifo hint RingGet")
}

// Wait is P on a process-shared POSIX semaphore (信号量) in the segment,
// glibc's sem_t: sem_wait, sem_timedwait, sem_trywait. Course ep. 39; man
// sem_overview(7), sem_wait(3), futex(2).
func (s *Sem) Wait(timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint Sem.Wait
	return exercise.Todo("Sem.Wait", "course ep. 39; sem_overview(7)", "go run -tags exercise ./06-shmfifo hint Sem.Wait")
}

// Post is V on the same semaphore: sem_post. Course ep. 39; man
// sem_overview(7), sem_post(3), futex(2).
func (s *Sem) Post() error {
	// TODO: go run -tags exercise ./06-shmfifo hint Sem.Post
	return exercise.Todo("Sem.Post", "course ep. 39; sem_overview(7)", "go run -tags exercise ./06-shmfifo hint Sem.Post")
}

// Lock is pthread_mutex_lock on the FIFO's robust process-shared mutex (互斥
// 锁): nil, or EOWNERDEAD (held, taken from a dead owner). Course ep. 31,
// 39; man pthread_mutex_lock(3), futex(2) (robust futexes),
// set_robust_list(2).
func (m *Mutex) Lock(timeout time.Duration) error {
	// TODO: go run -tags exercise ./06-shmfifo hint Mutex.Lock
	return exercise.Todo("Mutex.Lock", "course ep. 31, 39; futex(2)", "go run -tags exercise ./06-shmfifo hint Mutex.Lock")
}

// Unlock is pthread_mutex_unlock on the same mutex. Course ep. 31, 39; man
// pthread_mutex_unlock(3), futex(2).
func (m *Mutex) Unlock() error {
	// TODO: go run -tags exercise ./06-shmfifo hint Mutex.Unlock
	return exercise.Todo("Mutex.Unlock", "course ep. 31, 39; futex(2)", "go run -tags exercise ./06-shmfifo hint Mutex.Unlock")
}
