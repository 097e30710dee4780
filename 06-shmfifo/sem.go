//go:build linux && (amd64 || arm64)

// What the semaphore wrappers of lab.go (and of your exercise.go) share: the
// kernel's struct sembuf and the semctl commands, which golang.org/x/sys/unix
// does not define.

package main

import "runtime"

// Sembuf is struct sembuf of <sys/sem.h>, as semop(2) reads it:
//
//	struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; };
//
// Num is the index of the semaphore in its set (0 here: every set of the FIFO
// holds one semaphore). Op < 0 is P (wait until the value is at least -Op,
// then subtract), Op > 0 is V (add), Op == 0 waits for zero. Flg is 0,
// SEM_UNDO, IPC_NOWAIT or both.
type Sembuf struct {
	Num uint16
	Op  int16
	Flg int16
}

// The flag and semctl commands of <sys/sem.h> and <linux/sem.h>.
const (
	SEM_UNDO = 0x1000 // undo the operation when the process exits
	GETVAL   = 12     // semctl: read the value of one semaphore
	SETVAL   = 16     // semctl: set the value of one semaphore
	SEMVMX   = 32767  // the largest value a semaphore (and an undo counter) may hold
)

// semidNsemsOffset is where sem_nsems sits in the struct semid64_ds that
// semctl(IPC_STAT) fills: after the 48-byte struct ipc64_perm, x86-64 keeps
// two padding words beside sem_otime and sem_ctime, the generic 64-bit layout
// (arm64, riscv64...) does not.
func semidNsemsOffset() int {
	if runtime.GOARCH == "amd64" {
		return 48 + 4*8
	}
	return 48 + 2*8
}
