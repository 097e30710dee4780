//go:build linux && (amd64 || arm64) && !exercise

// The lesson of chapter 03: the calls of notes 001 §1.1.2 (ftok, shmget,
// shmat, shmdt, shmctl), each in a small function a learner can read beside
// the notes. They return the kernel's answer as is: os.NewSyscallError(call,
// errno) names the call and carries the errno; the experiments around them
// say what was tried and what to do about it.

package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ftok makes a System V key from an existing file and a project id, bit for
// bit as glibc's ftok does (sysvipc/ftok.c): it stat()s the file and packs
//
//	key = (id & 0xff) << 24 | (st_dev & 0xff) << 16 | (st_ino & 0xffff)
//
// Only 8 bits of the id, 8 of the device number and 16 of the inode number
// survive (notes 001 §1.1.2.1), so different files can share a key, and a
// hard link (same inode, same device) always does.
//
// Errors are those of stat: ENOENT (no such file), EACCES (a directory on
// the way may not be searched), ENOTDIR.
func Ftok(path string, id int) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, os.NewSyscallError("stat", err)
	}
	key := uint32(id&0xff)<<24 | uint32(st.Dev&0xff)<<16 | uint32(st.Ino&0xffff)
	// key_t is a signed 32-bit int: 0x80000000 and above are negative keys.
	return int(int32(key)), nil
}

// Get is shmget (notes 001 §1.1.2.2): it returns the id of the segment with
// this key, creating it when flag has IPC_CREAT and no segment has the key,
// or always when key is IPC_PRIVATE. The low 9 bits of flag are a new
// segment's permissions; for an existing segment they are an access
// request, checked against its mode like shmat's (asking 0600 of a 0400
// segment is EACCES, even for its owner). Bit 04000, which the notes call
// IPC_NOWAIT, is SHM_HUGETLB for shmget: a new segment of huge pages. Size
// is rounded up to whole pages for the memory, but stat shows the size
// asked for.
//
// Errors: ENOENT (no segment has the key and IPC_CREAT is not set), EEXIST
// (IPC_CREAT|IPC_EXCL and the key is taken), EINVAL (a new segment of size
// 0 or over SHMMAX, or an existing one smaller than size), EACCES (the mode
// of the existing segment does not grant the access flag asks for), ENOSPC
// (SHMMNI segments or SHMALL pages in use), ENOMEM (no memory to account,
// or SHM_HUGETLB and no huge pages reserved), EPERM (SHM_HUGETLB without
// CAP_IPC_LOCK or the group vm.hugetlb_shm_group).
func Get(key, size, flag int) (int, error) {
	id, err := unix.SysvShmGet(key, size, flag)
	if err != nil {
		return -1, os.NewSyscallError("shmget", err)
	}
	return id, nil
}

// Attach is shmat (notes 001 §1.1.2.3): it maps the segment into this
// process at an address the kernel chooses (shmaddr NULL), read-write, or
// read-only with SHM_RDONLY. The returned slice covers the segment's size
// (x/sys asks IPC_STAT for it after shmat). Each attach adds one to nattch.
//
// Errors: EACCES (the mode does not grant read, or read and write), EINVAL
// (no segment has this id: never existed, or removed and gone), EIDRM (being
// removed at this very moment).
func Attach(id int, rdonly bool) ([]byte, error) {
	flag := 0
	if rdonly {
		flag = unix.SHM_RDONLY
	}
	b, err := unix.SysvShmAttach(id, 0, flag)
	if err != nil {
		return nil, os.NewSyscallError("shmat", err)
	}
	return b, nil
}

// Detach is shmdt (notes 001 §1.1.2.4): it unmaps the segment from this
// process; nattch goes down by one. The segment itself stays (kernel
// persistence) unless IPC_RMID marked it and this was the last attach.
// Errors: EINVAL (b is not the start of an attached segment: a second
// shmdt of the same address is EINVAL). After it, b must not be used: the
// memory is no longer mapped there, and an access is SIGSEGV.
func Detach(b []byte) error {
	return os.NewSyscallError("shmdt", unix.SysvShmDetach(b))
}

// Stat is shmctl(IPC_STAT) (notes 001 §1.1.2.5): the kernel's struct
// shmid_ds of the segment: ipc_perm (key, owner, creator, mode), size, the
// pids of the creator and of the last shmat/shmdt, nattch and three times.
// Errors: EINVAL (no segment has this id), EACCES (no read permission).
func Stat(id int) (*unix.SysvShmDesc, error) {
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err != nil {
		return nil, os.NewSyscallError("shmctl IPC_STAT", err)
	}
	return &ds, nil
}

// Set is shmctl(IPC_SET) (notes 001 §1.1.2.5): it passes a shmid_ds whose
// shm_perm holds uid, gid and mode. The kernel takes only the owner (uid,
// gid) and the low 9 bits of mode from it: its own flags above them
// (SHM_DEST 01000, SHM_LOCKED 02000), the creator, the size and the rest
// stay what they are, whatever the buffer says. So the buffer needs nothing
// else; a caller changing the mode alone passes the owner IPC_STAT gave.
// Errors: EPERM (only the owner, the creator or a privileged process may
// set), EINVAL (no segment has this id, or a uid or gid that means nothing
// to the caller, as in a user namespace where it is not mapped).
func Set(id int, uid, gid, mode uint32) error {
	var ds unix.SysvShmDesc
	ds.Perm.Uid, ds.Perm.Gid, ds.Perm.Mode = uid, gid, mode
	_, err := unix.SysvShmCtl(id, unix.IPC_SET, &ds)
	return os.NewSyscallError("shmctl IPC_SET", err)
}

// Remove is shmctl(IPC_RMID) (notes 001 §1.1.2.5). It does not free the
// memory while a process is attached: it marks the segment SHM_DEST and sets
// its key to IPC_PRIVATE (0), so no shmget finds it any more; the memory goes
// with the last shmdt (or exit). Errors: EPERM (not the owner, the creator or
// privileged), EINVAL (no segment has this id).
func Remove(id int) error {
	_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	return os.NewSyscallError("shmctl IPC_RMID", err)
}

// ipcInfo is IPC_INFO of <sys/ipc.h> (Linux-specific, not in x/sys).
const ipcInfo = 3

// ShmInfo is the kernel's struct shminfo: the limits IPC_INFO reports.
type ShmInfo struct {
	Shmmax uint64 // largest segment, in bytes (/proc/sys/kernel/shmmax)
	Shmmin uint64 // smallest segment, in bytes (always 1)
	Shmmni uint64 // most segments in the system (/proc/sys/kernel/shmmni)
	Shmseg uint64 // most segments one process may attach (Linux: no limit of its own)
	Shmall uint64 // most pages of all segments together (/proc/sys/kernel/shmall)
	_      [4]uint64
}

// Info is shmctl(0, IPC_INFO) (Linux-specific): the system's limits on
// shared memory segments. x/sys's SysvShmCtl takes a shmid_ds, so this makes
// the system call itself with a struct shminfo.
func Info() (ShmInfo, error) {
	var info ShmInfo
	_, _, e := unix.Syscall(unix.SYS_SHMCTL, 0, ipcInfo, uintptr(unsafe.Pointer(&info)))
	if e != 0 {
		return info, os.NewSyscallError("shmctl IPC_INFO", e)
	}
	return info, nil
}
