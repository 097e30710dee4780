//go:build linux && (amd64 || arm64) && !exercise

// The lesson of chapter 01: the system calls of notes 001 §1.1.1.1-1.1.1.3
// (mmap, munmap, mprotect), each in a small function that a learner can read
// beside the notes. Everything else in this folder is the CLI around them.

package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PageSize returns the size of a memory page: the unit in which the kernel
// maps, protects, locks and unmaps: a page (页), notes 001 §1.1.1 point 1.
// glibc's getpagesize() and sysconf(_SC_PAGESIZE) both answer with the
// AT_PAGESZ value the kernel put in the auxiliary vector; so does Go.
func PageSize() int {
	return unix.Getpagesize()
}

// MapFile maps length bytes of the file at path, starting at offset, with the
// protection prot (PROT_READ, PROT_WRITE...) and flags (MAP_SHARED or
// MAP_PRIVATE, plus extras) (notes 001 §1.1.1.1).
//
// The file is opened read-write only when the mapping is shared and
// writable: a MAP_PRIVATE mapping never writes back, so a read-only
// descriptor is enough even with PROT_WRITE. The descriptor is closed before
// returning: the mapping keeps its own reference to the file.
//
// Errors: ENOENT (no such file), EACCES (the open mode does not allow the
// protection asked for), EINVAL (offset not a multiple of the page size, or
// length 0), ENODEV (a file that cannot be mapped, such as a FIFO), EPERM
// (PROT_EXEC on a file of a filesystem mounted noexec).
// The error names the call that failed: open or mmap.
func MapFile(path string, offset int64, length int, prot, flags int) ([]byte, error) {
	mode := unix.O_RDONLY
	if prot&unix.PROT_WRITE != 0 && flags&unix.MAP_SHARED != 0 {
		mode = unix.O_RDWR
	}
	fd, err := unix.Open(path, mode|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("open", err)
	}
	defer unix.Close(fd)
	// addr nil: let the kernel choose where the mapping goes.
	p, err := unix.MmapPtr(fd, offset, nil, uintptr(length), prot, flags)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	// mmap returns an address; view the mapped bytes as a slice.
	return unsafe.Slice((*byte)(p), length), nil
}

// MapAnon maps length bytes of anonymous memory (MAP_ANONYMOUS, fd -1): no
// file behind it, zero-filled on first touch (notes 001 §1.1.1.1). flags is
// MAP_SHARED or MAP_PRIVATE, possibly with MAP_LOCKED. Errors: EAGAIN when
// MAP_LOCKED would lock more than RLIMIT_MEMLOCK allows, ENOMEM when there is
// no room for length bytes.
func MapAnon(length int, prot, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(length), prot, flags|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// MapFixed maps len(at) bytes of anonymous memory at the address of at
// (notes 001 §1.1.1.1 addr, MAP_FIXED). With MAP_FIXED it is exactly that
// address, and whatever was mapped there is silently replaced; with
// MAP_FIXED_NOREPLACE (Linux 4.17) an existing mapping makes it fail with
// EEXIST instead. With fixedFlag 0 the address is only a hint: the kernel
// rounds it to a page and maps elsewhere if it is taken, so the mapping
// returned is where mmap put it. Errors: EINVAL for MAP_FIXED at an address
// inside a page, EEXIST as above.
func MapFixed(at []byte, fixedFlag int) ([]byte, error) {
	length := len(at)
	p, err := unix.MmapPtr(-1, 0, unsafe.Pointer(unsafe.SliceData(at)), uintptr(length),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|fixedFlag)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// Unmap removes the pages of b from the address space (notes 001 §1.1.1.2).
// b may be part of a mapping: unmapping its middle splits it in two.
// Errors: EINVAL if b does not start on a page boundary.
func Unmap(b []byte) error {
	return os.NewSyscallError("munmap", unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))))
}

// Protect changes the protection of the pages of b (notes 001 §1.1.1.3).
// Errors: EINVAL if b does not start on a page boundary, EACCES if prot asks
// for more than the file's open mode allows on a shared mapping, or for
// PROT_EXEC on a file of a noexec mount.
func Protect(b []byte, prot int) error {
	return os.NewSyscallError("mprotect", unix.Mprotect(b, prot))
}
