//go:build linux && (amd64 || arm64) && exercise

// Chapter 03 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them in this order until
// `go test -tags exercise ./03-sysv` grades every scenario as passing. Read
// notes 001 §1.1.2.1-1.1.2.5 first. For help in levels (the idea, the call,
// the shape of the code): go run -tags exercise ./03-sysv hint FUNC -level N.
//
// Return a failed call bare, as os.NewSyscallError(CALL, errno), CALL being
// the name the doc comment gives ("stat", "shmget", "shmat", "shmdt",
// "shmctl IPC_STAT", "shmctl IPC_SET", "shmctl IPC_RMID", "shmctl
// IPC_INFO"): the program prints `CALL: ERRNO` and the scenarios look for
// lines such as `shmget: EEXIST`. The experiments add the rest.

package main

import (
	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// Keeps the import used once every stub below is done.
var _ = exercise.ErrExercise

// Ftok returns the System V key (键值) of an existing file and a project id:
// the key glibc's ftok gives for them, bit for bit. Its errors are those of
// stat ("stat"). Notes 001 §1.1.2.1; man ftok(3), stat(2).
func Ftok(path string, id int) (int, error) {
	// TODO: go run -tags exercise ./03-sysv hint Ftok
	return 0, exercise.Todo("Ftok", "001 §1.1.2.1", "go run -tags exercise ./03-sysv hint Ftok")
}

// Get is shmget: the id of the segment with key, found or made as flag
// says ("shmget"). Notes 001 §1.1.2.2; man shmget(2).
func Get(key, size, flag int) (int, error) {
	// TODO: go run -tags exercise ./03-sysv hint Get
	return -1, exercise.Todo("Get", "001 §1.1.2.2", "go run -tags exercise ./03-sysv hint Get")
}

// Stat is shmctl(IPC_STAT): the segment's shmid_ds, its attributes (属性)
// as the kernel keeps them ("shmctl IPC_STAT"). Notes 001 §1.1.2.5; man
// shmctl(2).
func Stat(id int) (*unix.SysvShmDesc, error) {
	// TODO: go run -tags exercise ./03-sysv hint Stat
	return nil, exercise.Todo("Stat", "001 §1.1.2.5", "go run -tags exercise ./03-sysv hint Stat")
}

// Set is shmctl(IPC_SET): pass the kernel a shmid_ds whose owner (uid,
// gid) and mode are these ("shmctl IPC_SET"). Notes 001 §1.1.2.5; man
// shmctl(2).
func Set(id int, uid, gid, mode uint32) error {
	// TODO: go run -tags exercise ./03-sysv hint Set
	return exercise.Todo("Set", "001 §1.1.2.5", "go run -tags exercise ./03-sysv hint Set")
}

// Attach is shmat: map the segment into this process, read-write, or
// read-only when rdonly ("shmat"). Notes 001 §1.1.2.3; man shmat(2).
func Attach(id int, rdonly bool) ([]byte, error) {
	// TODO: go run -tags exercise ./03-sysv hint Attach
	return nil, exercise.Todo("Attach", "001 §1.1.2.3", "go run -tags exercise ./03-sysv hint Attach")
}

// Detach is shmdt: undo the attach that returned b ("shmdt"). Notes 001
// §1.1.2.4; man shmdt(2).
func Detach(b []byte) error {
	// TODO: go run -tags exercise ./03-sysv hint Detach
	return exercise.Todo("Detach", "001 §1.1.2.4", "go run -tags exercise ./03-sysv hint Detach")
}

// Remove is shmctl(IPC_RMID): remove (删除) the segment ("shmctl
// IPC_RMID"). Notes 001 §1.1.2.5; man shmctl(2).
func Remove(id int) error {
	// TODO: go run -tags exercise ./03-sysv hint Remove
	return exercise.Todo("Remove", "001 §1.1.2.5", "go run -tags exercise ./03-sysv hint Remove")
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

// Info is shmctl(0, IPC_INFO), Linux-specific: the system's limits on
// segments, as the kernel reports them ("shmctl IPC_INFO"). UNP2 3.8; man
// shmctl(2).
func Info() (ShmInfo, error) {
	// TODO: go run -tags exercise ./03-sysv hint Info
	return ShmInfo{}, exercise.Todo("Info", "UNP2 3.8", "go run -tags exercise ./03-sysv hint Info")
}
