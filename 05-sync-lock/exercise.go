//go:build linux && (amd64 || arm64) && exercise

// Chapter 05 as an exercise: the functions of lab.go with their bodies
// replaced by stubs. Implement them, in the order the README gives, until
// `go test -tags exercise ./05-sync-lock` grades every scenario as passing.
// Read notes 001 §1.1.1.4 (msync) and §1.1.1.5 (the mlock family) first.
// Each stub says the goal, where to read, and the man page; for more, ask
// for a hint:
//
//	go run -tags exercise ./05-sync-lock hint Sync -level 1   (then 2, then 3)
//
// Return a failed call as os.NewSyscallError("CALL", err): the program
// prints the call and the errno, and the scenarios check those.

package main

import "shmlab/internal/exercise"

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// MapFile maps the first length bytes of the file at path with prot and
// flags, and leaves no descriptor open. Notes 001 §1.1.1.1; man mmap(2),
// open(2); hint MapFile.
func MapFile(path string, length int, prot, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapFile", "001 §1.1.1.1", "man mmap(2) and open(2); go run -tags exercise ./05-sync-lock hint MapFile")
}

// Sync is msync(2) over the pages of b with flags. Notes 001 §1.1.1.4; man
// msync(2); hint Sync.
func Sync(b []byte, flags int) error {
	return exercise.Todo("Sync", "001 §1.1.1.4", "man msync(2); go run -tags exercise ./05-sync-lock hint Sync")
}

// Lock is mlock(2) over the pages of b. Notes 001 §1.1.1.5; man mlock(2);
// hint Lock.
func Lock(b []byte) error {
	return exercise.Todo("Lock", "001 §1.1.1.5", "man mlock(2); go run -tags exercise ./05-sync-lock hint Lock")
}

// Unlock is munlock(2) over the pages of b. Notes 001 §1.1.1.5; man
// munlock(2); hint Unlock.
func Unlock(b []byte) error {
	return exercise.Todo("Unlock", "001 §1.1.1.5", "man munlock(2); go run -tags exercise ./05-sync-lock hint Unlock")
}

// PageSize returns the size of a memory page. Notes 001 §1.1.1 point 1;
// man getpagesize(2); hint PageSize.
func PageSize() int {
	panic(exercise.Todo("PageSize", "001 §1.1.1", "man getpagesize(2); go run -tags exercise ./05-sync-lock hint PageSize"))
}

// MapAnon maps length bytes of anonymous, zero-filled memory with prot and
// flags. Notes 001 §1.1.1.1 MAP_ANONYMOUS; man mmap(2); hint MapAnon.
func MapAnon(length int, prot, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "man mmap(2) MAP_ANONYMOUS; go run -tags exercise ./05-sync-lock hint MapAnon")
}

// Unmap removes the pages of b from the address space. Notes 001
// §1.1.1.2; man munmap(2); hint Unmap.
func Unmap(b []byte) error {
	return exercise.Todo("Unmap", "001 §1.1.1.2", "man munmap(2); go run -tags exercise ./05-sync-lock hint Unmap")
}

// LockAll is mlockall(2) with flags (MCL_CURRENT, MCL_FUTURE). Notes 001
// §1.1.1.5; man mlockall(2); hint LockAll.
func LockAll(flags int) error {
	return exercise.Todo("LockAll", "001 §1.1.1.5", "man mlockall(2); go run -tags exercise ./05-sync-lock hint LockAll")
}

// UnlockAll is munlockall(2). Notes 001 §1.1.1.5; man munlockall(2); hint
// UnlockAll.
func UnlockAll() error {
	return exercise.Todo("UnlockAll", "001 §1.1.1.5", "man munlockall(2); go run -tags exercise ./05-sync-lock hint UnlockAll")
}

// SetLockLimit sets the soft RLIMIT_MEMLOCK of this process to n bytes.
// Notes 001 §1.1.1.5 (the notes do not name the limit); man setrlimit(2);
// hint SetLockLimit.
func SetLockLimit(n uint64) error {
	return exercise.Todo("SetLockLimit", "001 §1.1.1.5", "man setrlimit(2) RLIMIT_MEMLOCK; go run -tags exercise ./05-sync-lock hint SetLockLimit")
}
