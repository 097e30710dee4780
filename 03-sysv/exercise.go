//go:build linux && (amd64 || arm64) && exercise

// Chapter 03 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise ./03-sysv`
// grades every scenario as passing. Read notes 001 §1.1.2.1-1.1.2.5 first.
// Return every failed call as os.NewSyscallError(call, err), with the call
// named as the TODO says: the CLI prints the call and the errno symbol, and
// the scenarios look for lines such as `shmget: EEXIST`.

package main

import (
	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// Ftok makes a System V key from an existing file and a project id, as glibc does.
func Ftok(path string, id int) (int, error) {
	// TODO: unix.Stat(path, &st) (error: os.NewSyscallError("stat", err)),
	// then key = (id & 0xff) << 24 | (st.Dev & 0xff) << 16 | (st.Ino & 0xffff),
	// returned as int(int32(key)): key_t is a signed 32-bit int.
	return 0, exercise.Todo("Ftok", "001 §1.1.2.1", "stat the file and pack id, st_dev and st_ino as glibc's ftok")
}

// Get is shmget: the id of the segment with key, created if flag says so.
func Get(key, size, flag int) (int, error) {
	// TODO: unix.SysvShmGet(key, size, flag); error:
	// os.NewSyscallError("shmget", err).
	return -1, exercise.Todo("Get", "001 §1.1.2.2", "unix.SysvShmGet(key, size, flag)")
}

// Attach is shmat: map the segment read-write, or read-only with SHM_RDONLY.
func Attach(id int, rdonly bool) ([]byte, error) {
	// TODO: unix.SysvShmAttach(id, 0, flag) with flag unix.SHM_RDONLY when
	// rdonly; error: os.NewSyscallError("shmat", err).
	return nil, exercise.Todo("Attach", "001 §1.1.2.3", "unix.SysvShmAttach(id, 0, 0 or unix.SHM_RDONLY)")
}

// Detach is shmdt: unmap the segment from this process.
func Detach(b []byte) error {
	// TODO: unix.SysvShmDetach(b); error: os.NewSyscallError("shmdt", err).
	return exercise.Todo("Detach", "001 §1.1.2.4", "unix.SysvShmDetach(b)")
}

// Stat is shmctl(IPC_STAT): the segment's shmid_ds.
func Stat(id int) (*unix.SysvShmDesc, error) {
	// TODO: unix.SysvShmCtl(id, unix.IPC_STAT, &ds); error:
	// os.NewSyscallError("shmctl IPC_STAT", err).
	return nil, exercise.Todo("Stat", "001 §1.1.2.5", "unix.SysvShmCtl(id, unix.IPC_STAT, &ds)")
}

// SetMode is shmctl(IPC_SET): change the low 9 bits of the segment's mode.
func SetMode(id int, mode uint32) error {
	// TODO: Stat, replace ds.Perm.Mode's low 9 bits with mode, then
	// unix.SysvShmCtl(id, unix.IPC_SET, ds); error:
	// os.NewSyscallError("shmctl IPC_SET", err).
	return exercise.Todo("SetMode", "001 §1.1.2.5", "IPC_STAT, change Perm.Mode&0777, IPC_SET")
}

// Remove is shmctl(IPC_RMID): mark the segment for removal.
func Remove(id int) error {
	// TODO: unix.SysvShmCtl(id, unix.IPC_RMID, nil); error:
	// os.NewSyscallError("shmctl IPC_RMID", err).
	return exercise.Todo("Remove", "001 §1.1.2.5", "unix.SysvShmCtl(id, unix.IPC_RMID, nil)")
}

// ShmInfo is the kernel's struct shminfo: the limits IPC_INFO reports.
type ShmInfo struct {
	Shmmax uint64 // largest segment, in bytes
	Shmmin uint64 // smallest segment, in bytes
	Shmmni uint64 // most segments in the system
	Shmseg uint64 // most segments one process may attach
	Shmall uint64 // most pages of all segments together
	_      [4]uint64
}

// Info is shmctl(0, IPC_INFO): the system's shared memory limits.
func Info() (ShmInfo, error) {
	// TODO: IPC_INFO is 3 and not in x/sys: make the call yourself,
	// unix.Syscall(unix.SYS_SHMCTL, 0, 3, uintptr(unsafe.Pointer(&info))),
	// and turn a non-zero errno into os.NewSyscallError("shmctl IPC_INFO", e).
	return ShmInfo{}, exercise.Todo("Info", "001 §1.1.2.5", "shmctl(0, IPC_INFO, &shminfo) with unix.Syscall")
}
