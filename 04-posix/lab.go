//go:build linux && !exercise

// The lesson of chapter 04: POSIX shared memory (notes 001 §1.1.3). shm_open
// and shm_unlink are not system calls: they are a few lines of glibc around
// open(2) and unlink(2) on a file in /dev/shm, a tmpfs. Go's x/sys has no
// shm_open, so this file writes it the way glibc 2.34 and later do
// (posix/shm_open.c, posix/shm_unlink.c, posix/shm-directory.c), followed by
// the calls that make such an object useful: ftruncate, fstat, mmap.

package main

import (
	"strings"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
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
	what := "shm_open " + shown(name)
	path, err := ShmPath(name)
	if err != nil {
		return -1, cli.SysHint(what, "shm_open", err,
			`a name is "/" and then a file name: not empty, no other "/", at most 255 bytes`)
	}
	fd, err := unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err == unix.EISDIR {
		return -1, cli.SysHint(what, "open", unix.EINVAL,
			"a directory has that name in "+ShmDir+" (glibc reports open's EISDIR as EINVAL)")
	}
	if err != nil {
		return -1, cli.Sys(what, "open", err)
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
	what := "shm_unlink " + shown(name)
	path, err := ShmPath(name)
	if err != nil {
		return cli.SysHint(what, "shm_unlink", unix.ENOENT, "glibc reports a name it refuses as ENOENT")
	}
	err = unix.Unlink(path)
	if err == unix.EPERM {
		return cli.SysHint(what, "unlink", unix.EACCES,
			"not yours: "+ShmDir+" is sticky, so only the owner may remove it (unlink said EPERM, glibc says EACCES)")
	}
	return cli.Sys(what, "unlink", err)
}

// Resize sets the size of the object with ftruncate(2). A new object has
// size 0; growing adds zero bytes; shrinking throws pages away, and a
// mapping that still covers them raises SIGBUS when it touches them.
// Errors: EINVAL (negative size, or a descriptor not open for writing),
// EFBIG (larger than the file system allows).
func Resize(fd int, size int64) error {
	return cli.Sys("set the size", "ftruncate", unix.Ftruncate(fd, size))
}

// Stat returns the object's size, mode, owner and inode with fstat(2).
func Stat(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(fd, &st)
	return st, cli.Sys("stat", "fstat", err)
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
		return nil, cli.Sys("map", "mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// Unmap removes a mapping made by Map.
func Unmap(b []byte) error {
	return cli.Sys("unmap", "munmap", unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))))
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
