//go:build linux && (amd64 || arm64) && exercise

// Chapter 01 as an exercise: the functions of lab.go with their bodies
// replaced by stubs. Implement them, in the order the README gives, until
// `go test -tags exercise ./01-mmap` grades every scenario as passing. Read
// notes 001 §1.1.1.1-1.1.1.3 first. Each stub says the goal, where to read,
// and the man page; for more, ask for a hint:
//
//	go run -tags exercise ./01-mmap hint MapFile -level 1   (then 2, then 3)
//
// Return a failed call as os.NewSyscallError("CALL", err): the program
// prints the call and the errno, and the scenarios check those.

package main

import "shmlab/internal/exercise"

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// MapFile maps length bytes of the file at path from offset with prot and
// flags, and leaves no descriptor open. Notes 001 §1.1.1.1; man mmap(2),
// open(2); hint MapFile.
func MapFile(path string, offset int64, length int, prot, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapFile", "001 §1.1.1.1", "man mmap(2) and open(2); go run -tags exercise ./01-mmap hint MapFile")
}

// PageSize returns the size of a memory page. Notes 001 §1.1.1 point 1;
// man getpagesize(2); hint PageSize.
func PageSize() int {
	panic(exercise.Todo("PageSize", "001 §1.1.1", "man getpagesize(2); go run -tags exercise ./01-mmap hint PageSize"))
}

// MapAnon maps length bytes of anonymous, zero-filled memory with prot and
// flags. Notes 001 §1.1.1.1 MAP_ANONYMOUS; man mmap(2); hint MapAnon.
func MapAnon(length int, prot, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "man mmap(2) MAP_ANONYMOUS; go run -tags exercise ./01-mmap hint MapAnon")
}

// Unmap removes the pages of b from the address space. Notes 001
// §1.1.1.2; man munmap(2); hint Unmap.
func Unmap(b []byte) error {
	return exercise.Todo("Unmap", "001 §1.1.1.2", "man munmap(2); go run -tags exercise ./01-mmap hint Unmap")
}

// Protect changes the protection of the pages of b to prot. Notes 001
// §1.1.1.3; man mprotect(2); hint Protect.
func Protect(b []byte, prot int) error {
	return exercise.Todo("Protect", "001 §1.1.1.3", "man mprotect(2); go run -tags exercise ./01-mmap hint Protect")
}

// MapFixed maps len(at) bytes of anonymous memory at the address of at,
// with fixedFlag (MAP_FIXED, MAP_FIXED_NOREPLACE, or 0: a hint only), and
// returns the mapping where mmap put it. Notes 001 §1.1.1.1 addr, MAP_FIXED;
// man mmap(2); hint MapFixed.
func MapFixed(at []byte, fixedFlag int) ([]byte, error) {
	return nil, exercise.Todo("MapFixed", "001 §1.1.1.1", "man mmap(2) MAP_FIXED; go run -tags exercise ./01-mmap hint MapFixed")
}
