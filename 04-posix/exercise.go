//go:build linux && (amd64 || arm64) && exercise

// Chapter 04 as an exercise: the functions of lab.go with their bodies
// replaced by stubs. Implement them, in the order the README gives, until
// `go test -tags exercise ./04-posix` grades every scenario as passing. Read
// notes 001 §1.1.3 first, and shm_overview(7): shm_open is glibc code around
// open(2), and you are writing glibc's part; the semaphores are glibc's
// sem_open family on a file in /dev/shm and the futex(2) system call (UNP
// vol. 2 ch. 10, sem_overview(7)). Each stub says the goal, where to read,
// and the man page; for more, ask for a hint:
//
//	go run -tags exercise ./04-posix hint ShmOpen -level 1   (then 2, then 3)
//
// Return a failed call as os.NewSyscallError("CALL", err), naming the
// system call that failed ("open", "unlink", "ftruncate", "mmap", "futex"),
// or the errno alone where glibc decides it without the kernel: the program
// prints the call and the errno, and the scenarios check those.

package main

import (
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// ShmDir is where glibc puts POSIX shared memory objects (its SHMDIR).
const ShmDir = "/dev/shm/"

// ShmPath turns a POSIX IPC name into the file glibc opens, or fails with
// EINVAL for a name glibc refuses. Notes 001 §1.1.3.1 (name), UNP2 §2.2;
// man shm_open(3) NOTES; hint ShmPath.
func ShmPath(name string) (string, error) {
	return "", exercise.Todo("ShmPath", "001 §1.1.3.1", "man shm_open(3); go run -tags exercise ./04-posix hint ShmPath")
}

// ShmOpen opens, or with O_CREAT creates, the POSIX shared memory object
// name and returns its descriptor, as glibc's shm_open does. Notes 001
// §1.1.3.1; man shm_open(3), open(2); hint ShmOpen.
func ShmOpen(name string, flags int, mode uint32) (int, error) {
	return -1, exercise.Todo("ShmOpen", "001 §1.1.3.1", "man shm_open(3) and open(2); go run -tags exercise ./04-posix hint ShmOpen")
}

// Resize sets the size of the object open on fd. Notes 001 §1.1.3.1; man
// ftruncate(2); hint Resize.
func Resize(fd int, size int64) error {
	return exercise.Todo("Resize", "001 §1.1.3.1", "man ftruncate(2); go run -tags exercise ./04-posix hint Resize")
}

// Stat returns the size, mode, owner and inode of the object open on fd.
// Notes 001 §1.1.3.1; man fstat(2); hint Stat.
func Stat(fd int) (unix.Stat_t, error) {
	return unix.Stat_t{}, exercise.Todo("Stat", "001 §1.1.3.1", "man fstat(2); go run -tags exercise ./04-posix hint Stat")
}

// Map maps length bytes of the object open on fd, from offset, so that
// every process mapping it sees the same bytes. Notes 001 §1.1.1.1,
// §1.1.3.1; man mmap(2); hint Map.
func Map(fd int, offset int64, length int, prot int) ([]byte, error) {
	return nil, exercise.Todo("Map", "001 §1.1.1.1", "man mmap(2) MAP_SHARED; go run -tags exercise ./04-posix hint Map")
}

// Unmap removes a mapping made by Map. Notes 001 §1.1.1.2; man munmap(2);
// hint Unmap.
func Unmap(b []byte) error {
	return exercise.Todo("Unmap", "001 §1.1.1.2", "man munmap(2); go run -tags exercise ./04-posix hint Unmap")
}

// ShmUnlink removes the name of a POSIX shared memory object, with glibc's
// errors. Notes 001 §1.1.3.2; man shm_unlink(3), unlink(2); hint
// ShmUnlink.
func ShmUnlink(name string) error {
	return exercise.Todo("ShmUnlink", "001 §1.1.3.2", "man shm_unlink(3) and unlink(2); go run -tags exercise ./04-posix hint ShmUnlink")
}

// AtomicAdd adds delta to the 64-bit counter at m[off:off+8] so that no
// update is lost when processes add at the same time, and returns the new
// value. Notes 001 §1.1 (同步机制); hint AtomicAdd.
func AtomicAdd(m []byte, off int, delta uint64) uint64 {
	panic(exercise.Todo("AtomicAdd", "001 §1.1", "package sync/atomic; go run -tags exercise ./04-posix hint AtomicAdd"))
}

// AtomicLoad reads the 64-bit counter at m[off:off+8] atomically. Notes
// 001 §1.1; hint AtomicLoad.
func AtomicLoad(m []byte, off int) uint64 {
	panic(exercise.Todo("AtomicLoad", "001 §1.1", "package sync/atomic; go run -tags exercise ./04-posix hint AtomicLoad"))
}

// ---- Named semaphores (UNP vol. 2 ch. 10) ----
// semt.go holds glibc's sem_t layout (Sem, SemSize, SemValueMax, the
// futex constants, semValueWord).

// SemPath turns a semaphore name into its file, /dev/shm/sem.NAME, or
// fails with EINVAL for a name glibc refuses. UNP2 §10.2, §2.2; man
// sem_overview(7); hint SemPath.
func SemPath(name string) (string, error) {
	return "", exercise.Todo("SemPath", "UNP2 §10.2", "man sem_overview(7); go run -tags exercise ./04-posix hint SemPath")
}

// SemOpen opens, or with O_CREAT creates, the named semaphore name and maps
// its sem_t, as glibc's sem_open does. UNP2 §10.2; man sem_open(3),
// link(2), mmap(2); hint SemOpen.
func SemOpen(name string, oflag int, mode uint32, value uint32) (*Sem, error) {
	return nil, exercise.Todo("SemOpen", "UNP2 §10.2", "man sem_open(3) and link(2); go run -tags exercise ./04-posix hint SemOpen")
}

// SemClose unmaps the semaphore (sem_close). UNP2 §10.2; man sem_close(3);
// hint SemClose.
func SemClose(s *Sem) error {
	return exercise.Todo("SemClose", "UNP2 §10.2", "man sem_close(3) and munmap(2); go run -tags exercise ./04-posix hint SemClose")
}

// SemValue is the value of the semaphore (sem_getvalue). UNP2 §10.4; man
// sem_getvalue(3); hint SemValue.
func SemValue(s *Sem) int {
	panic(exercise.Todo("SemValue", "UNP2 §10.4", "man sem_getvalue(3); go run -tags exercise ./04-posix hint SemValue"))
}

// SemTryWait takes a token if there is one, and never sleeps
// (sem_trywait). UNP2 §10.3; man sem_wait(3); hint SemTryWait.
func SemTryWait(s *Sem) error {
	return exercise.Todo("SemTryWait", "UNP2 §10.3", "man sem_wait(3); go run -tags exercise ./04-posix hint SemTryWait")
}

// SemPost adds a token and wakes a process waiting for one (sem_post).
// UNP2 §10.4; man sem_post(3), futex(2); hint SemPost.
func SemPost(s *Sem) error {
	return exercise.Todo("SemPost", "UNP2 §10.4", "man sem_post(3) and futex(2); go run -tags exercise ./04-posix hint SemPost")
}

// SemWait takes a token, sleeping in the kernel until one is posted.
// timeout < 0 waits for ever (sem_wait); timeout == 0 does not wait (EAGAIN
// at once, as sem_trywait); timeout > 0 gives up after it with ETIMEDOUT
// (sem_timedwait). UNP2 §10.3; man sem_wait(3), futex(2); hint SemWait.
func SemWait(s *Sem, timeout time.Duration) error {
	return exercise.Todo("SemWait", "UNP2 §10.3", "man sem_wait(3) and futex(2); go run -tags exercise ./04-posix hint SemWait")
}

// SemUnlink removes the name of a semaphore (sem_unlink), with glibc's
// errors. UNP2 §10.2; man sem_unlink(3), unlink(2); hint SemUnlink.
func SemUnlink(name string) error {
	return exercise.Todo("SemUnlink", "UNP2 §10.2", "man sem_unlink(3) and unlink(2); go run -tags exercise ./04-posix hint SemUnlink")
}
