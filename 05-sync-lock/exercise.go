//go:build linux && (amd64 || arm64) && exercise

// Chapter 05 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise
// ./05-sync-lock` grades every scenario as passing. Read notes 001 §1.1.1.4
// (msync) and §1.1.1.5 (mlock family) first.

package main

import (
	"shmlab/internal/exercise"
)

// PageSize returns the size of a memory page.
func PageSize() int {
	// TODO: ask the kernel's page size (unix.Getpagesize).
	panic(exercise.Todo("PageSize", "001 §1.1.1", "return unix.Getpagesize()"))
}

// MapFile maps the first length bytes of the file at path with prot and flags.
func MapFile(path string, length int, prot, flags int) ([]byte, error) {
	// TODO: open the file (O_RDWR only for a MAP_SHARED + PROT_WRITE
	// mapping, else O_RDONLY), unix.MmapPtr(fd, 0, nil, length, prot, flags),
	// close the descriptor, return unsafe.Slice over the address. Return
	// failures as os.NewSyscallError("open", err) or os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("MapFile", "001 §1.1.1.1", "open + unix.MmapPtr")
}

// MapAnon maps length bytes of anonymous, zero-filled memory.
func MapAnon(length int, prot, flags int) ([]byte, error) {
	// TODO: unix.MmapPtr(-1, 0, nil, length, prot, flags|unix.MAP_ANONYMOUS);
	// return a failure as os.NewSyscallError("mmap", err), so EAGAIN/EPERM show.
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "unix.MmapPtr with fd -1 and MAP_ANONYMOUS")
}

// Unmap removes the pages of b from the address space.
func Unmap(b []byte) error {
	// TODO: unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), len(b));
	// return os.NewSyscallError("munmap", err).
	return exercise.Todo("Unmap", "001 §1.1.1.2", "unix.MunmapPtr")
}

// Sync is msync(2) over the pages of b with flags.
func Sync(b []byte, flags int) error {
	// TODO: the msync system call (unix.Syscall(unix.SYS_MSYNC, addr, len,
	// flags), or unix.Msync(b, flags)); return the errno as
	// os.NewSyscallError("msync", err). Pass flags through unchecked: the kernel's EINVAL for
	// MS_SYNC|MS_ASYNC is part of the lesson.
	return exercise.Todo("Sync", "001 §1.1.1.4", "msync(addr, len, flags)")
}

// Lock is mlock(2) over the pages of b.
func Lock(b []byte) error {
	// TODO: unix.Mlock(b); return os.NewSyscallError("mlock", err).
	return exercise.Todo("Lock", "001 §1.1.1.5", "unix.Mlock")
}

// Unlock is munlock(2) over the pages of b.
func Unlock(b []byte) error {
	// TODO: unix.Munlock(b); return os.NewSyscallError("munlock", err).
	return exercise.Todo("Unlock", "001 §1.1.1.5", "unix.Munlock")
}

// LockAll is mlockall(2) with MCL_CURRENT and/or MCL_FUTURE.
func LockAll(flags int) error {
	// TODO: unix.Mlockall(flags); return os.NewSyscallError("mlockall", err).
	return exercise.Todo("LockAll", "001 §1.1.1.5", "unix.Mlockall")
}

// UnlockAll is munlockall(2).
func UnlockAll() error {
	// TODO: unix.Munlockall(); return os.NewSyscallError("munlockall", err).
	return exercise.Todo("UnlockAll", "001 §1.1.1.5", "unix.Munlockall")
}

// SetLockLimit sets the soft RLIMIT_MEMLOCK of this process to n bytes.
func SetLockLimit(n uint64) error {
	// TODO: unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl), set rl.Cur = n (and
	// rl.Max if it is lower), unix.Setrlimit; return failures as
	// os.NewSyscallError("getrlimit", err) / ("setrlimit", err).
	return exercise.Todo("SetLockLimit", "001 §1.1.1.5", "getrlimit + setrlimit(RLIMIT_MEMLOCK)")
}
