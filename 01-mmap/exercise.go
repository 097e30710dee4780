//go:build linux && (amd64 || arm64) && exercise

// Chapter 01 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise ./01-mmap`
// grades every scenario as passing. Read notes 001 §1.1.1.1-1.1.1.3 first.

package main

import (
	"shmlab/internal/exercise"
)

// PageSize returns the size of a memory page.
func PageSize() int {
	// TODO: ask the kernel's page size (unix.Getpagesize or os.Getpagesize).
	panic(exercise.Todo("PageSize", "001 §1.1.1", "return the page size: unix.Getpagesize()"))
}

// MapFile maps length bytes of the file at path from offset with prot and flags.
func MapFile(path string, offset int64, length int, prot, flags int) ([]byte, error) {
	// TODO: open the file (read-write only if the mapping is MAP_SHARED and
	// PROT_WRITE), mmap it with unix.MmapPtr(fd, offset, nil, length, prot,
	// flags), close the descriptor, and return unsafe.Slice over the address.
	// Return failures as os.NewSyscallError("open", err) and
	// os.NewSyscallError("mmap", err): the CLI names the call and the errno.
	return nil, exercise.Todo("MapFile", "001 §1.1.1.1", "open + unix.MmapPtr")
}

// MapAnon maps length bytes of anonymous, zero-filled memory.
func MapAnon(length int, prot, flags int) ([]byte, error) {
	// TODO: unix.MmapPtr with fd -1 and flags|unix.MAP_ANONYMOUS; return a
	// failure as os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "unix.MmapPtr(-1, 0, nil, ..., flags|MAP_ANONYMOUS)")
}

// MapFixed maps anonymous memory at exactly the address of at, over len(at) bytes.
func MapFixed(at []byte, fixedFlag int) ([]byte, error) {
	// TODO: unix.MmapPtr with unsafe.Pointer(&at[0]) and MAP_PRIVATE|
	// MAP_ANONYMOUS|fixedFlag (MAP_FIXED or MAP_FIXED_NOREPLACE); return a
	// failure as os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("MapFixed", "001 §1.1.1.1", "unix.MmapPtr at addr with MAP_FIXED or MAP_FIXED_NOREPLACE")
}

// Unmap removes the pages of b from the address space.
func Unmap(b []byte) error {
	// TODO: unix.MunmapPtr(unsafe.Pointer(&b[0]), len(b)); b may be only a
	// part of a mapping. Return os.NewSyscallError("munmap", err).
	return exercise.Todo("Unmap", "001 §1.1.1.2", "unix.MunmapPtr")
}

// Protect changes the protection of the pages of b.
func Protect(b []byte, prot int) error {
	// TODO: unix.Mprotect(b, prot); return os.NewSyscallError("mprotect", err).
	return exercise.Todo("Protect", "001 §1.1.1.3", "unix.Mprotect")
}
