//go:build linux && (amd64 || arm64) && !exercise

// The lesson of chapter 04: POSIX shared memory (notes 001 §1.1.3). shm_open
// and shm_unlink are not system calls: they are a few lines of glibc around
// open(2) and unlink(2) on a file in /dev/shm, a tmpfs. Go's x/sys has no
// shm_open, so this file writes it the way glibc 2.34 and later do
// (posix/shm_open.c, posix/shm_unlink.c, posix/shm-directory.c), followed by
// the calls that make such an object useful: ftruncate, fstat, mmap.
//
// Errors come back bare, as glibc's would: os.NewSyscallError naming the
// system call that failed (open, unlink, ftruncate, mmap, futex) with its
// errno, or the errno alone where glibc decides it without asking the
// kernel (sem_trywait's EAGAIN, sem_post's EOVERFLOW). The experiments say
// what was tried and what to do about it.

package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ShmDir is where glibc puts POSIX shared memory objects (its SHMDIR).
const ShmDir = "/dev/shm/"

// nameBuf is the size of glibc's struct shmdir_name: "/dev/shm/" with its
// NUL (10 bytes), 4 for the "sem." prefix of semaphores, and NAME_MAX (255).
// A path that does not fit (with its NUL) is refused by glibc itself.
const nameBuf = len(ShmDir) + 1 + 4 + 255

// ShmPath turns a POSIX IPC name into the file glibc opens, with glibc's
// rules (UNP vol. 2 §2.2 says the rules are up to the system; these are
// Linux's): every leading '/' is dropped, so "/a", "a" and "//a" are one
// object; what is left must be non-empty and hold no other '/'; and
// "/dev/shm/" + name must fit glibc's buffer. It fails with EINVAL otherwise.
// A name of 256 to 259 bytes fits the buffer, and it is open(2) that refuses
// it, with ENAMETOOLONG (a file name is at most NAME_MAX = 255 bytes).
func ShmPath(name string) (string, error) {
	n := strings.TrimLeft(name, "/")
	if n == "" || strings.ContainsAny(n, "/\x00") || len(ShmDir)+len(n)+1 > nameBuf {
		return "", unix.EINVAL
	}
	return ShmDir + n, nil
}

// ShmOpen opens, or with O_CREAT creates, the POSIX shared memory object
// name and returns its descriptor (notes 001 §1.1.3.1). flags is O_RDONLY or
// O_RDWR, plus O_CREAT, O_EXCL, O_TRUNC; mode is the permission bits of a new
// object, filtered by the umask as for any file.
//
// Like glibc, it adds O_NOFOLLOW (a symlink planted in /dev/shm is never
// followed: ELOOP) and O_CLOEXEC (the descriptor does not survive exec).
//
// Errors: EINVAL (a name glibc refuses, or a directory: glibc turns open's
// EISDIR into EINVAL), ENAMETOOLONG, ENOENT (no such object and no O_CREAT),
// EEXIST (O_CREAT|O_EXCL and the name exists), EACCES (the mode bits do not
// allow the access asked for), ELOOP (a symlink has that name).
func ShmOpen(name string, flags int, mode uint32) (int, error) {
	path, err := ShmPath(name)
	if err != nil {
		return -1, os.NewSyscallError("shm_open", err)
	}
	fd, err := unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err == unix.EISDIR {
		err = unix.EINVAL // glibc's answer for a directory
	}
	if err != nil {
		return -1, os.NewSyscallError("open", err)
	}
	return fd, nil
}

// ShmUnlink removes the name of a POSIX shared memory object (notes 001
// §1.1.3.2). It is unlink(2) of the file in /dev/shm: the name goes at once,
// and the memory lives on until the last mapping and descriptor are gone.
//
// glibc's error mapping: a name it refuses is ENOENT (not EINVAL as for
// shm_open), and unlink's EPERM becomes EACCES: /dev/shm is sticky (mode
// 1777), so removing another user's object fails with EPERM in the kernel.
func ShmUnlink(name string) error {
	path, err := ShmPath(name)
	if err != nil {
		return os.NewSyscallError("shm_unlink", unix.ENOENT)
	}
	err = unix.Unlink(path)
	if err == unix.EPERM {
		err = unix.EACCES
	}
	return os.NewSyscallError("unlink", err)
}

// Resize sets the size of the object with ftruncate(2). A new object has
// size 0. Growing adds pages that read as zero, but tmpfs keeps the old last
// page as it is: bytes a mapping stored past the old end, inside that page,
// are there after growing. Shrinking zeroes the rest of the new last page
// and throws the other pages away; a mapping that still covers them raises
// SIGBUS when it touches them.
// Errors: EINVAL (negative size, or a descriptor not open for writing),
// EFBIG (larger than the file system allows).
func Resize(fd int, size int64) error {
	return os.NewSyscallError("ftruncate", unix.Ftruncate(fd, size))
}

// Stat returns the object's size, mode, owner and inode with fstat(2).
func Stat(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(fd, &st)
	return st, os.NewSyscallError("fstat", err)
}

// Map maps length bytes of the object from offset (a multiple of the page
// size) with MAP_SHARED, so that every process mapping it sees the same
// bytes. prot must not ask more than the descriptor's open mode allows:
// PROT_WRITE needs O_RDWR (EACCES otherwise), and even PROT_READ needs a
// descriptor open for reading (an O_WRONLY one gives EACCES).
// Errors: EACCES, EINVAL (length 0, offset not page-aligned), ENODEV (not a
// file that can be mapped, such as a directory).
func Map(fd int, offset int64, length int, prot int) ([]byte, error) {
	p, err := unix.MmapPtr(fd, offset, nil, uintptr(length), prot, unix.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// Unmap removes a mapping made by Map.
func Unmap(b []byte) error {
	return os.NewSyscallError("munmap", unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))))
}

// AtomicAdd adds delta to the 64-bit counter at m[off:off+8] and returns the
// new value. The add is one atomic instruction (LOCK XADD on x86), so
// processes adding at the same time through their own mappings never lose
// an update. off must be a multiple of 8 (the mapping is page-aligned).
func AtomicAdd(m []byte, off int, delta uint64) uint64 {
	return atomic.AddUint64(word(m, off), delta)
}

// AtomicLoad reads the 64-bit counter at m[off:off+8] atomically.
func AtomicLoad(m []byte, off int) uint64 {
	return atomic.LoadUint64(word(m, off))
}

func word(m []byte, off int) *uint64 {
	_ = m[off+7] // bounds check: the whole word is in the mapping
	if off%8 != 0 {
		panic("counter offset not a multiple of 8")
	}
	return (*uint64)(unsafe.Pointer(&m[off]))
}

// ---- Named semaphores (UNP vol. 2 ch. 10, course ep. 39) ----
//
// sem_open, sem_wait, sem_post are glibc too (nptl/sem_open.c,
// sem_waitcommon.c, sem_post.c, sem_getvalue.c, sem_unlink.c). A named
// semaphore is a 32-byte file /dev/shm/sem.NAME holding a sem_t, mapped
// MAP_SHARED by every process that opens it; waiting and waking is the
// futex(2) system call on a word of that mapping. The functions below do
// exactly what glibc 2.36 does on x86-64 and arm64, so C programs and this
// one share semaphores.

// SemPath turns a semaphore name into its file: ShmPath's rules, with
// "sem." in front of the name, as glibc's __shm_get_name(..., true) does.
// The 4 bytes of "sem." come out of the same buffer, so a name of 252 to
// 255 bytes reaches open(2) and fails with ENAMETOOLONG, and from 256 on
// glibc says EINVAL.
func SemPath(name string) (string, error) {
	n := strings.TrimLeft(name, "/")
	if n == "" || strings.ContainsAny(n, "/\x00") || len(ShmDir)+len("sem.")+len(n)+1 > nameBuf {
		return "", unix.EINVAL
	}
	return ShmDir + "sem." + n, nil
}

// SemOpen opens, or with O_CREAT creates, the named semaphore name and maps
// its sem_t (UNP2 §10.2 sem_open). oflag is 0, O_CREAT or O_CREAT|O_EXCL;
// mode and value are used only when it creates (mode filtered by the umask).
//
// Opening is open(/dev/shm/sem.NAME, O_RDWR|O_NOFOLLOW), fstat, and mmap of
// 32 bytes MAP_SHARED. Creating never exposes a half-made semaphore: the
// initialised sem_t is written to a new file with a random name
// (/dev/shm/sem.XXXXXX, O_CREAT|O_EXCL), mapped, and then link(2)ed to the
// real name. link fails with EEXIST if the name exists: with O_EXCL that is
// the answer, without it the existing semaphore is opened instead (the other
// process won the race, and its semaphore is complete). The temporary name
// is unlinked either way.
//
// Errors: EINVAL (a name glibc refuses, value > SEM_VALUE_MAX, a file at
// the name that is not a regular file of at least SemSize bytes), ENOENT (no
// such semaphore and no O_CREAT), EEXIST (O_CREAT|O_EXCL and the name
// exists), EACCES (the mode bits do not allow read and write: a semaphore is
// always opened O_RDWR), ELOOP (a symlink has that name), ENAMETOOLONG.
func SemOpen(name string, oflag int, mode uint32, value uint32) (*Sem, error) {
	path, err := SemPath(name)
	if err != nil {
		return nil, os.NewSyscallError("sem_open", err)
	}
	if oflag&unix.O_CREAT == 0 || oflag&unix.O_EXCL == 0 {
		// The semaphore may exist: try to open it first.
		s, err := semOpenExisting(path, oflag)
		if err == nil || oflag&unix.O_CREAT == 0 || !errors.Is(err, unix.ENOENT) {
			return s, err
		}
	}
	if value > SemValueMax {
		return nil, os.NewSyscallError("sem_open", unix.EINVAL)
	}
	for {
		s, err := semCreate(path, mode, value)
		if errors.Is(err, unix.EEXIST) && oflag&unix.O_EXCL == 0 {
			// Someone linked theirs first: open that one.
			s, err = semOpenExisting(path, oflag)
			if errors.Is(err, unix.ENOENT) {
				continue // and it was removed again in between: retry
			}
		}
		return s, err
	}
}

// semOpenExisting is the open path of sem_open: O_RDWR (waiting and posting
// both write), never through a symlink.
func semOpenExisting(path string, oflag int) (*Sem, error) {
	fd, err := unix.Open(path, (oflag&^(unix.O_CREAT|unix.O_ACCMODE))|unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("open", err)
	}
	defer unix.Close(fd) // the mapping keeps the file
	return semMap(path, fd)
}

// semMap maps the sem_t of an open semaphore file. The file is input another
// process could have made: glibc maps it whatever its size (and a process
// touching a sem_t past the end of a short file gets SIGBUS); here it is
// checked first, and anything but a regular file of at least SemSize bytes
// is refused as sem_open's EINVAL.
func semMap(path string, fd int) (*Sem, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, os.NewSyscallError("fstat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size < SemSize {
		return nil, os.NewSyscallError("sem_open", unix.EINVAL)
	}
	p, err := unix.MmapPtr(fd, 0, nil, SemSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return &Sem{Path: path, Data: (*uint64)(p)}, nil
}

// semCreate is the create path of sem_open: a complete sem_t in a file of a
// random name, then link(2) to the real name, which fails with EEXIST rather
// than replace anything. The temporary name goes either way.
func semCreate(path string, mode uint32, value uint32) (*Sem, error) {
	fd, tmp, err := semTempFile(mode)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	defer unix.Unlink(tmp) // the real name, if linked, keeps the file

	// The initial sem_t: data = value (and 0 waiters), private = FUTEX_SHARED,
	// the rest zero.
	var init [SemSize]byte
	binary.LittleEndian.PutUint64(init[0:8], uint64(value))
	binary.LittleEndian.PutUint32(init[8:12], semPrivateShared)
	if n, err := unix.Write(fd, init[:]); err != nil || n != SemSize {
		if err == nil {
			err = unix.EIO
		}
		return nil, os.NewSyscallError("write", err)
	}
	// Map it, then give it its name: from now on others may open it.
	s, err := semMap(path, fd)
	if err != nil {
		return nil, err
	}
	if err := unix.Link(tmp, path); err != nil {
		SemClose(s)
		return nil, os.NewSyscallError("link", err)
	}
	return s, nil
}

// semTempFile makes a new file /dev/shm/sem.XXXXXX (O_CREAT|O_EXCL), as
// glibc does with mktemp; after 50 names taken it gives up with EAGAIN.
func semTempFile(mode uint32) (int, string, error) {
	for tries := 0; ; tries++ {
		tmp := ShmDir + "sem." + randomSuffix()
		fd, err := unix.Open(tmp, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if err == nil {
			return fd, tmp, nil
		}
		if err != unix.EEXIST {
			return -1, "", os.NewSyscallError("open", err)
		}
		if tries == 50 {
			return -1, "", os.NewSyscallError("open", unix.EAGAIN)
		}
	}
}

// randomSuffix is 6 characters of [A-Za-z0-9], as mktemp's XXXXXX.
func randomSuffix() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b[:])
}

// SemClose unmaps the semaphore (sem_close). The semaphore and its value
// stay, in /dev/shm, until SemUnlink.
func SemClose(s *Sem) error {
	return os.NewSyscallError("munmap", unix.MunmapPtr(unsafe.Pointer(s.Data), SemSize))
}

// SemTryWait takes a token if there is one (sem_trywait, UNP2 §10.3): one
// compare-and-swap of the 64-bit word from d to d-1 while the value (its
// low 32 bits) is not 0. No system call. Error: unix.EAGAIN (bare) when the
// value is 0.
func SemTryWait(s *Sem) error {
	for {
		d := atomic.LoadUint64(s.Data)
		if d&semValueMask == 0 {
			return unix.EAGAIN
		}
		if atomic.CompareAndSwapUint64(s.Data, d, d-1) {
			return nil
		}
	}
}

// SemWait takes a token, sleeping until one is posted (sem_wait, UNP2
// §10.3). timeout bounds the sleep, with one convention for every program
// of the lab (chapter 06's semaphores too):
//
//	timeout < 0   wait for ever (sem_wait)
//	timeout == 0  do not wait: EAGAIN at once if there is no token (sem_trywait)
//	timeout > 0   give up after timeout with ETIMEDOUT (sem_timedwait)
//
// glibc's algorithm: the fast path is SemTryWait's CAS. Otherwise the
// process counts itself as a waiter (adds 1 to the high 32 bits, so that
// sem_post knows to wake someone), and loops: while the value is 0 it sleeps
// in futex(FUTEX_WAIT) on the value's 32-bit word, which the kernel puts to
// sleep only if the word still holds 0 (so a post between the check and the
// sleep is never missed: the call returns EAGAIN at once); when the value is
// not 0, one CAS takes a token and stops being a waiter together. The futex
// is shared (no FUTEX_PRIVATE_FLAG): the kernel keys it on the file's page,
// so processes with their own mappings meet on it.
//
// Errors: EAGAIN (timeout 0 and no token), ETIMEDOUT from futex (the
// timeout passed; the process stops being a waiter). EINTR from the futex
// call is retried: in a Go program the runtime's own signals interrupt it,
// where glibc would return EINTR to its caller.
func SemWait(s *Sem, timeout time.Duration) error {
	if err := SemTryWait(s); err == nil || timeout == 0 {
		return err
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	d := atomic.AddUint64(s.Data, 1<<semNwaitersShift)
	for {
		if d&semValueMask == 0 {
			err := futexWait(semValueWord(s), 0, deadline, timeout > 0)
			if err == unix.ETIMEDOUT {
				atomic.AddUint64(s.Data, ^uint64(1<<semNwaitersShift-1)) // nwaiters--
				return os.NewSyscallError("futex", err)
			}
			// 0 (woken), EAGAIN (the word was not 0 any more), EINTR:
			// look again.
			d = atomic.LoadUint64(s.Data)
			continue
		}
		if atomic.CompareAndSwapUint64(s.Data, d, d-1-1<<semNwaitersShift) {
			return nil
		}
		d = atomic.LoadUint64(s.Data)
	}
}

// futexWait is futex(addr, FUTEX_WAIT, val, timeout): sleep while *addr ==
// val, until a FUTEX_WAKE on the same word. The timeout is relative, so it
// is computed from the deadline at each call. (glibc uses FUTEX_WAIT_BITSET
// with an absolute CLOCK_REALTIME time instead; FUTEX_WAKE wakes either.)
func futexWait(addr *uint32, val uint32, deadline time.Time, timed bool) error {
	var ts *unix.Timespec
	if timed {
		left := time.Until(deadline)
		if left <= 0 {
			return unix.ETIMEDOUT
		}
		t := unix.NsecToTimespec(left.Nanoseconds())
		ts = &t
	}
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), FUTEX_WAIT,
		uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// SemPost adds a token (sem_post, UNP2 §10.4): a CAS loop adding 1 to the
// value, refusing at SEM_VALUE_MAX (EOVERFLOW); then, if the word counted
// any waiter, futex(FUTEX_WAKE, 1) on the value word wakes one sleeper.
// Without waiters a post is one atomic instruction and no system call.
// Errors: unix.EOVERFLOW (bare), futex's errno.
func SemPost(s *Sem) error {
	for {
		d := atomic.LoadUint64(s.Data)
		// glibc checks == SEM_VALUE_MAX; >= also refuses a value some other
		// process wrote past it, which would otherwise carry into nwaiters.
		if d&semValueMask >= SemValueMax {
			return unix.EOVERFLOW
		}
		if !atomic.CompareAndSwapUint64(s.Data, d, d+1) {
			continue
		}
		if d>>semNwaitersShift > 0 {
			_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(semValueWord(s))), FUTEX_WAKE, 1, 0, 0, 0)
			if e != 0 {
				return os.NewSyscallError("futex", e)
			}
		}
		return nil
	}
}

// SemValue is the value (sem_getvalue, UNP2 §10.4): the low 32 bits of the
// word. UNP allows a negative value counting the waiters; glibc returns 0.
func SemValue(s *Sem) int {
	return int(atomic.LoadUint64(s.Data) & semValueMask)
}

// SemUnlink removes the name of a semaphore (sem_unlink, UNP2 §10.2): the
// unlink(2) of /dev/shm/sem.NAME. As with shm_unlink, the name goes at
// once; processes that have it mapped keep using it. glibc's errors are
// shm_unlink's: a refused name is ENOENT, unlink's EPERM becomes EACCES.
func SemUnlink(name string) error {
	path, err := SemPath(name)
	if err != nil {
		return os.NewSyscallError("sem_unlink", unix.ENOENT)
	}
	err = unix.Unlink(path)
	if err == unix.EPERM {
		err = unix.EACCES
	}
	return os.NewSyscallError("unlink", err)
}
