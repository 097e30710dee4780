//go:build linux && (amd64 || arm64) && exercise

// Chapter 04 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise ./04-posix`
// grades every scenario as passing. Read notes 001 §1.1.3 first, and the
// man pages shm_open(3) and shm_overview(7): shm_open is glibc code around
// open(2), and you are writing glibc's part.
//
// Return errors bare, as glibc would: os.NewSyscallError(call, errno) with
// the name of the system call that failed ("open", "unlink", "ftruncate",
// "mmap", "futex"), or the errno alone where glibc makes it up itself. The
// experiments add what was tried and what to do about it.

package main

import (
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// ShmDir is where glibc puts POSIX shared memory objects (its SHMDIR).
const ShmDir = "/dev/shm/"

// ShmPath turns a POSIX IPC name into the file glibc opens.
func ShmPath(name string) (string, error) {
	// TODO: drop every leading '/'; what is left must be non-empty, hold no
	// other '/' (nor a NUL byte), and "/dev/shm/"+name plus a NUL must fit
	// glibc's 269-byte buffer (10 + 4 + NAME_MAX). Otherwise unix.EINVAL.
	return "", exercise.Todo("ShmPath", "001 §1.1.3.1", `strings.TrimLeft(name, "/"), then glibc's checks; EINVAL`)
}

// ShmOpen opens, or with O_CREAT creates, the POSIX shared memory object name.
func ShmOpen(name string, flags int, mode uint32) (int, error) {
	// TODO: path from ShmPath (its error: os.NewSyscallError("shm_open",
	// err)); then unix.Open(path, flags|O_NOFOLLOW|O_CLOEXEC, mode) as
	// glibc does, its error as os.NewSyscallError("open", err). glibc
	// turns open's EISDIR into EINVAL.
	return -1, exercise.Todo("ShmOpen", "001 §1.1.3.1", "ShmPath + unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)")
}

// ShmUnlink removes the name of a POSIX shared memory object.
func ShmUnlink(name string) error {
	// TODO: ShmPath (glibc reports a refused name as ENOENT here:
	// os.NewSyscallError("shm_unlink", unix.ENOENT)), then unix.Unlink(path)
	// returned as os.NewSyscallError("unlink", err); glibc turns unlink's
	// EPERM into EACCES.
	return exercise.Todo("ShmUnlink", "001 §1.1.3.2", "ShmPath + unix.Unlink; EPERM becomes EACCES")
}

// Resize sets the size of the object with ftruncate(2).
func Resize(fd int, size int64) error {
	// TODO: unix.Ftruncate(fd, size); return os.NewSyscallError("ftruncate", err).
	return exercise.Todo("Resize", "001 §1.1.3.1", "unix.Ftruncate")
}

// Stat returns the object's size, mode, owner and inode with fstat(2).
func Stat(fd int) (unix.Stat_t, error) {
	// TODO: unix.Fstat(fd, &st); its error as os.NewSyscallError("fstat", err).
	return unix.Stat_t{}, exercise.Todo("Stat", "001 §1.1.3.1", "unix.Fstat")
}

// Map maps length bytes of the object from offset with MAP_SHARED.
func Map(fd int, offset int64, length int, prot int) ([]byte, error) {
	// TODO: unix.MmapPtr(fd, offset, nil, length, prot, unix.MAP_SHARED)
	// and unsafe.Slice over the address (chapter 01's MapFile); its error
	// as os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("Map", "001 §1.1.3.1", "unix.MmapPtr(fd, offset, nil, length, prot, unix.MAP_SHARED)")
}

// Unmap removes a mapping made by Map.
func Unmap(b []byte) error {
	// TODO: unix.MunmapPtr; its error as os.NewSyscallError("munmap", err).
	return exercise.Todo("Unmap", "001 §1.1.1.2", "unix.MunmapPtr")
}

// AtomicAdd adds delta to the 64-bit counter at m[off:off+8] atomically.
func AtomicAdd(m []byte, off int, delta uint64) uint64 {
	// TODO: atomic.AddUint64 on (*uint64)(unsafe.Pointer(&m[off])); a plain
	// m[off]++ loses updates when processes add at the same time.
	panic(exercise.Todo("AtomicAdd", "001 §1.1", "sync/atomic.AddUint64 on a *uint64 into the mapping"))
}

// AtomicLoad reads the 64-bit counter at m[off:off+8] atomically.
func AtomicLoad(m []byte, off int) uint64 {
	// TODO: atomic.LoadUint64.
	panic(exercise.Todo("AtomicLoad", "001 §1.1", "sync/atomic.LoadUint64"))
}

// ---- Named semaphores (UNP vol. 2 ch. 10) ----
// Read sem_overview(7) and the layout in semt.go: glibc's sem_t is a 64-bit
// word (value in the low 32 bits, waiters in the high 32), an int `private`
// (128) and padding, 32 bytes in the file /dev/shm/sem.NAME.

// SemPath turns a semaphore name into its file, /dev/shm/sem.NAME.
func SemPath(name string) (string, error) {
	// TODO: ShmPath's rules, with "sem." in front of the name (the 4 bytes
	// come out of the same 269-byte buffer). EINVAL otherwise.
	return "", exercise.Todo("SemPath", "UNP2 §10.2, §2.2", `ShmDir + "sem." + name, with ShmPath's checks`)
}

// SemOpen opens, or with O_CREAT creates, the named semaphore name.
func SemOpen(name string, oflag int, mode uint32, value uint32) (*Sem, error) {
	// TODO: unless O_CREAT|O_EXCL: unix.Open(path, O_RDWR|O_NOFOLLOW|O_CLOEXEC),
	// fstat (refuse a file shorter than SemSize), unix.MmapPtr of SemSize
	// bytes PROT_READ|PROT_WRITE MAP_SHARED; on ENOENT with O_CREAT, create:
	// value > SemValueMax is EINVAL; open a new /dev/shm/sem.XXXXXX
	// (random, O_CREAT|O_EXCL, mode), write the 32-byte sem_t (data =
	// value little-endian, private = 128 at offset 8, the rest 0), map it,
	// unix.Link it to the real path (EEXIST: with O_EXCL fail, without it
	// open the existing one), and unlink the temporary name. Each failed call
	// as os.NewSyscallError(call, err): "open", "write", "mmap", "link"; a
	// refused name or value as os.NewSyscallError("sem_open", unix.EINVAL).
	return nil, exercise.Todo("SemOpen", "UNP2 §10.2", "write a sem_t to a temporary file, unix.Link it into place, unix.MmapPtr MAP_SHARED")
}

// SemClose unmaps the semaphore (sem_close).
func SemClose(s *Sem) error {
	// TODO: unix.MunmapPtr(unsafe.Pointer(s.Data), SemSize), its error as
	// os.NewSyscallError("munmap", err).
	return exercise.Todo("SemClose", "UNP2 §10.2", "unix.MunmapPtr")
}

// SemTryWait takes a token if there is one (sem_trywait).
func SemTryWait(s *Sem) error {
	// TODO: load the word; if its low 32 bits are 0, return unix.EAGAIN; else
	// atomic.CompareAndSwapUint64(s.Data, d, d-1), and loop if it lost.
	return exercise.Todo("SemTryWait", "UNP2 §10.3", "atomic.CompareAndSwapUint64 from d to d-1 while the value is not 0; EAGAIN at 0")
}

// SemWait takes a token, sleeping until one is posted. timeout < 0 waits
// for ever (sem_wait); timeout == 0 does not wait: EAGAIN at once if there
// is no token (sem_trywait); timeout > 0 gives up after it with ETIMEDOUT
// (sem_timedwait).
func SemWait(s *Sem, timeout time.Duration) error {
	// TODO: fast path SemTryWait (with timeout 0, its answer is the
	// answer). Slow path: add 1<<32 to the word (one more
	// waiter); loop: while the value is 0, unix.Syscall6(unix.SYS_FUTEX,
	// address of the low 32-bit half (semValueWord), FUTEX_WAIT, 0,
	// relative *unix.Timespec or nil, 0, 0) (NOT FUTEX_PRIVATE_FLAG: other
	// processes wake you); ETIMEDOUT: take the waiter back out and return
	// os.NewSyscallError("futex", unix.ETIMEDOUT); EAGAIN/EINTR/0: look
	// again. When the value is not 0, one CAS from
	// d to d-1-(1<<32) takes a token and stops being a waiter.
	return exercise.Todo("SemWait", "UNP2 §10.3", "CAS fast path; nwaiters++, futex(FUTEX_WAIT) on the value word while 0, CAS d-1-(1<<32)")
}

// SemPost adds a token (sem_post) and wakes a waiter if there is one.
func SemPost(s *Sem) error {
	// TODO: CAS loop from d to d+1, unix.EOVERFLOW if the value is SemValueMax;
	// then if d>>32 > 0, unix.Syscall6(unix.SYS_FUTEX, semValueWord(s),
	// FUTEX_WAKE, 1, 0, 0, 0).
	return exercise.Todo("SemPost", "UNP2 §10.4", "CAS d+1 (EOVERFLOW at SEM_VALUE_MAX), then futex(FUTEX_WAKE, 1) if any waiter")
}

// SemValue is the value (sem_getvalue).
func SemValue(s *Sem) int {
	// TODO: the low 32 bits of atomic.LoadUint64(s.Data).
	panic(exercise.Todo("SemValue", "UNP2 §10.4", "atomic.LoadUint64(s.Data) & (1<<32-1)"))
}

// SemUnlink removes the name of a semaphore (sem_unlink).
func SemUnlink(name string) error {
	// TODO: like ShmUnlink, on SemPath: a refused name is
	// os.NewSyscallError("sem_unlink", unix.ENOENT), EPERM becomes EACCES.
	return exercise.Todo("SemUnlink", "UNP2 §10.2", "SemPath + unix.Unlink; EPERM becomes EACCES")
}
