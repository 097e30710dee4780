//go:build linux && (amd64 || arm64) && !exercise

// The lesson of chapter 05: the system calls of notes 001 §1.1.1.4 (msync)
// and §1.1.1.5 (mlock, munlock, mlockall, munlockall), each in a small
// function a learner can read beside the notes, plus the mmap/munmap they
// need and the RLIMIT_MEMLOCK limit that governs locking. Each returns the
// bare error of its call (os.NewSyscallError: the call and the errno); the
// experiments around them say what was tried and what to do.

package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PageSize returns the size of a memory page: msync, mlock and munlock work
// on whole pages, and an address handed to them is rounded to one.
func PageSize() int {
	return unix.Getpagesize()
}

// MapFile maps the first length bytes of the file at path with prot and
// flags (MAP_SHARED or MAP_PRIVATE) (notes 001 §1.1.1.1). The file is opened
// read-write only for a writable shared mapping; the descriptor is closed
// before returning, the mapping keeps the file open on its own.
//
// Errors: ENOENT (no such file), EACCES (the open mode does not allow the
// protection), EINVAL (length 0), ENODEV (a file that cannot be mapped).
// The error names the call that failed: open or mmap.
func MapFile(path string, length int, prot, flags int) ([]byte, error) {
	mode := unix.O_RDONLY
	if prot&unix.PROT_WRITE != 0 && flags&unix.MAP_SHARED != 0 {
		mode = unix.O_RDWR
	}
	fd, err := unix.Open(path, mode|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("open", err)
	}
	defer unix.Close(fd)
	p, err := unix.MmapPtr(fd, 0, nil, uintptr(length), prot, flags)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// MapAnon maps length bytes of anonymous, zero-filled memory (fd -1,
// MAP_ANONYMOUS). flags is MAP_SHARED or MAP_PRIVATE, possibly with
// MAP_LOCKED (lock the pages as mlock would, notes 001 §1.1.1.1).
//
// Errors: ENOMEM (more than the kernel will promise), EAGAIN (MAP_LOCKED, or
// any mapping after mlockall(MCL_FUTURE), over RLIMIT_MEMLOCK), EPERM
// (MAP_LOCKED with a zero RLIMIT_MEMLOCK).
func MapAnon(length int, prot, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(length), prot, flags|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// Unmap removes the pages of b from the address space (notes 001 §1.1.1.2).
// Unmapping also unlocks: a lock belongs to the mapping.
func Unmap(b []byte) error {
	return os.NewSyscallError("munmap", unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))))
}

// Sync is msync(2) over the pages of b (notes 001 §1.1.1.4) with flags
// MS_SYNC, MS_ASYNC, optionally with MS_INVALIDATE. What Linux does:
//   - MS_SYNC writes the dirty pages of the range to the storage of the file
//     (an fsync of that range) and returns when the I/O is done. It is about
//     durability, not visibility: read() sees the pages of a shared mapping
//     at once, they are the page cache. On tmpfs there is no storage and it
//     does nothing.
//   - MS_ASYNC starts no I/O on Linux (since 2.6.19 it does nothing at all):
//     the kernel already knows which pages are dirty and writes them back
//     later on its own schedule.
//   - MS_INVALIDATE discards nothing on Linux: it only fails with EBUSY on a
//     locked range.
//
// Errors: EINVAL (b does not start on a page boundary, both MS_SYNC and
// MS_ASYNC, or an unknown flag), ENOMEM (part of the range is not mapped),
// EBUSY (MS_INVALIDATE over a locked mapping), EIO (the write-back failed).
func Sync(b []byte, flags int) error {
	_, _, e := unix.Syscall(unix.SYS_MSYNC, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(flags))
	if e != 0 {
		return os.NewSyscallError("msync", e)
	}
	return nil
}

// Lock is mlock(2) over the pages of b (notes 001 §1.1.1.5): every page that
// the range touches is faulted in and stays in RAM. Locks do not nest: a
// page is locked or not, however many times mlock was called. Only this
// process's mapping is locked, not the pages for other processes.
//
// Errors: ENOMEM (over RLIMIT_MEMLOCK without CAP_IPC_LOCK, or part of the
// range is not mapped), EPERM (RLIMIT_MEMLOCK is 0 and no CAP_IPC_LOCK),
// EAGAIN (some pages could not be locked).
func Lock(b []byte) error {
	return os.NewSyscallError("mlock", unix.Mlock(b))
}

// Unlock is munlock(2) over the pages of b: one call unlocks them, however
// many times they were locked. Errors: ENOMEM (part of the range not mapped).
func Unlock(b []byte) error {
	return os.NewSyscallError("munlock", unix.Munlock(b))
}

// LockAll is mlockall(2) (notes 001 §1.1.1.5). MCL_CURRENT locks every
// mapping the process has now; MCL_FUTURE makes every mapping made later
// locked from the start (and makes mmap fail with EAGAIN when that would go
// over RLIMIT_MEMLOCK). MCL_FUTURE alone does not lock what is mapped now.
//
// Errors: EINVAL (no or unknown flags), ENOMEM (MCL_CURRENT and the process
// maps more than RLIMIT_MEMLOCK), EPERM (RLIMIT_MEMLOCK is 0, no
// CAP_IPC_LOCK).
func LockAll(flags int) error {
	return os.NewSyscallError("mlockall", unix.Mlockall(flags))
}

// UnlockAll is munlockall(2): unlock every mapping of the process and
// cancel MCL_FUTURE.
func UnlockAll() error {
	return os.NewSyscallError("munlockall", unix.Munlockall())
}

// SetLockLimit sets the soft RLIMIT_MEMLOCK of this process to n bytes with
// setrlimit(2) (raising the hard limit too if root allows it). An
// unprivileged process may lower its soft limit, never raise it over the
// hard one (EPERM).
func SetLockLimit(n uint64) error {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return os.NewSyscallError("getrlimit", err)
	}
	rl.Cur = n
	if rl.Max < rl.Cur {
		rl.Max = rl.Cur
	}
	return os.NewSyscallError("setrlimit", unix.Setrlimit(unix.RLIMIT_MEMLOCK, &rl))
}
