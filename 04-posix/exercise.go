//go:build linux && exercise

// Chapter 04 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise ./04-posix`
// grades every scenario as passing. Read notes 001 §1.1.3 first, and the
// man pages shm_open(3) and shm_overview(7): shm_open is glibc code around
// open(2), and you are writing glibc's part.

package main

import (
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
	// TODO: path from ShmPath (its error: cli.SysHint(what, "shm_open",
	// err, hint)); then unix.Open(path, flags|O_NOFOLLOW|O_CLOEXEC, mode)
	// as glibc does. glibc turns open's EISDIR into EINVAL. Wrap errors with
	// cli.Sys("shm_open "+name, "open", err) so the CLI names the errno.
	return -1, exercise.Todo("ShmOpen", "001 §1.1.3.1", "ShmPath + unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)")
}

// ShmUnlink removes the name of a POSIX shared memory object.
func ShmUnlink(name string) error {
	// TODO: ShmPath (glibc reports a refused name as ENOENT here), then
	// unix.Unlink(path); glibc turns unlink's EPERM into EACCES.
	return exercise.Todo("ShmUnlink", "001 §1.1.3.2", "ShmPath + unix.Unlink; EPERM becomes EACCES")
}

// Resize sets the size of the object with ftruncate(2).
func Resize(fd int, size int64) error {
	// TODO: unix.Ftruncate(fd, size), wrapped with cli.Sys.
	return exercise.Todo("Resize", "001 §1.1.3.1", "unix.Ftruncate")
}

// Stat returns the object's size, mode, owner and inode with fstat(2).
func Stat(fd int) (unix.Stat_t, error) {
	// TODO: unix.Fstat(fd, &st).
	return unix.Stat_t{}, exercise.Todo("Stat", "001 §1.1.3.1", "unix.Fstat")
}

// Map maps length bytes of the object from offset with MAP_SHARED.
func Map(fd int, offset int64, length int, prot int) ([]byte, error) {
	// TODO: unix.MmapPtr(fd, offset, nil, length, prot, unix.MAP_SHARED)
	// and unsafe.Slice over the address (chapter 01's MapFile).
	return nil, exercise.Todo("Map", "001 §1.1.3.1", "unix.MmapPtr(fd, offset, nil, length, prot, unix.MAP_SHARED)")
}

// Unmap removes a mapping made by Map.
func Unmap(b []byte) error {
	// TODO: unix.MunmapPtr.
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
