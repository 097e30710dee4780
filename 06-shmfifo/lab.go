//go:build linux && !exercise

// The lesson of chapter 06: System V semaphores (course ep. 30-31) and the
// shmfifo of ep. 33 built from them: a ring of fixed-size blocks in one
// shared memory segment, guarded by three semaphores, the way UNP vol. 2
// and the course solve the producer/consumer problem (生产者消费者问题).
//
// The semaphore calls are not in golang.org/x/sys/unix, so each wrapper
// below makes the raw system call, as glibc's semget/semop/semctl do.

package main

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// Semget returns the id of the semaphore set at key (semget(2)). nsems is the
// number of semaphores when creating (0 to open an existing set); flags holds
// IPC_CREAT, IPC_EXCL and the low 9 permission bits, as for shmget.
//
// Errors: ENOENT (no set at key, IPC_CREAT not given), EEXIST (IPC_CREAT|
// IPC_EXCL and the key is taken), EINVAL (nsems larger than the existing
// set's), EACCES (the mode does not let us in), ENOSPC (SEMMNI/SEMMNS limits).
func Semget(key, nsems, flags int) (int, error) {
	id, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), uintptr(nsems), uintptr(flags))
	if e != 0 {
		return -1, e
	}
	return int(id), nil
}

// Semop applies ops to set id atomically (all or none). With timeout > 0 it
// is semtimedop(2): a P that cannot proceed within timeout fails with EAGAIN.
// With timeout 0 it is semop(2) and waits as long as it takes.
//
// A signal makes semop return EINTR whatever SA_RESTART says (signal(7)),
// and the Go runtime sends itself signals (SIGURG) all the time, so EINTR is
// retried here, with what is left of the timeout.
//
// Errors: EAGAIN (IPC_NOWAIT, or the timeout passed), EIDRM (the set was
// removed while we waited), EINVAL (no such set), ERANGE (the value, or the
// SEM_UNDO counter of this process, would pass SEMVMX 32767), EFBIG (Num out
// of range), EACCES.
func Semop(id int, ops []Sembuf, timeout time.Duration) error {
	if len(ops) == 0 {
		return unix.EINVAL
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var e unix.Errno
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return unix.EAGAIN
			}
			ts := unix.NsecToTimespec(int64(left))
			_, _, e = unix.Syscall6(unix.SYS_SEMTIMEDOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])),
				uintptr(len(ops)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		} else {
			_, _, e = unix.Syscall(unix.SYS_SEMOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])), uintptr(len(ops)))
		}
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// semctl is semctl(2) with the fourth argument (union semun) passed as the
// kernel reads it: a value for SETVAL, an address for IPC_STAT.
func semctl(id, num, cmd int, arg uintptr) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), arg, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// SemSetVal sets the value of the one semaphore of set id (semctl SETVAL).
// Errors: ERANGE (val < 0 or > SEMVMX 32767), EINVAL, EIDRM, EPERM/EACCES.
func SemSetVal(id, val int) error {
	_, err := semctl(id, 0, SETVAL, uintptr(val))
	return err
}

// SemGetVal reads the value of the one semaphore of set id (semctl GETVAL).
func SemGetVal(id int) (int, error) {
	return semctl(id, 0, GETVAL, 0)
}

// SemNsems returns how many semaphores set id holds, from the struct
// semid64_ds that semctl(IPC_STAT) fills.
func SemNsems(id int) (int, error) {
	var ds [128]byte // larger than semid64_ds on every 64-bit architecture
	if _, err := semctl(id, 0, unix.IPC_STAT, uintptr(unsafe.Pointer(&ds[0]))); err != nil {
		return 0, err
	}
	return int(*(*uint64)(unsafe.Pointer(&ds[semidNsemsOffset()]))), nil
}

// SemRemove removes set id at once (semctl IPC_RMID): every process waiting
// in semop on it wakes with EIDRM.
func SemRemove(id int) error {
	_, err := semctl(id, 0, unix.IPC_RMID, 0)
	return err
}

// Init makes the FIFO at key: a segment of HeaderSize + blksize*blocks bytes
// holding the header {blksize, blocks, 0, 0}, and three one-semaphore sets:
// key (mutex, 1), key+1 (free blocks, blocks), key+2 (filled blocks, 0).
// Every object is created with IPC_EXCL and mode perm.
//
// If a FIFO with the same geometry is already at key, Init opens it and
// returns created false; a different one is an EEXIST error. If any step
// fails, what Init made so far is removed: a failed init leaks nothing.
//
// Errors: EEXIST (key taken by something else), EINVAL (a size over SHMMAX,
// or an existing segment smaller than asked), ENOMEM/ENOSPC (limits),
// ERANGE (blocks over SEMVMX 32767: SETVAL refuses it).
func Init(key, blksize, blocks int, perm uint32) (_ *Fifo, created bool, err error) {
	if blksize <= 0 || blocks <= 0 {
		return nil, false, fmt.Errorf("init key %s: blksize %d, blocks %d: both must be at least 1", KeyString(key), blksize, blocks)
	}
	what := "init FIFO key " + KeyString(key)
	// blksize and blocks fit in uint32 (the header's fields), so the size
	// fits in uint64; int(size) hands the kernel the same 64 bits.
	size := uint64(HeaderSize) + uint64(blksize)*uint64(blocks)
	id, err := unix.SysvShmGet(key, int(size), unix.IPC_CREAT|unix.IPC_EXCL|int(perm))
	if errors.Is(err, unix.EEXIST) {
		return initExisting(key, blksize, blocks)
	}
	if err != nil {
		return nil, false, cli.SysHint(what, "shmget", err, initHint(err))
	}
	// From here on, undo everything if a later step fails.
	f, err := attach0(key, id)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, false, err
	}
	defer func() {
		if err != nil {
			f.Close()
			unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		}
	}()
	// The header first: a process that opens the FIFO before the semaphores
	// exist fails on semget (ENOENT) instead of waiting on a zero mutex.
	f.setField(hBlksize, uint32(blksize))
	f.setField(hBlocks, uint32(blocks))
	f.setField(hRdIndex, 0)
	f.setField(hWrIndex, 0)
	f.Blksize, f.Blocks = blksize, blocks
	var made []int
	defer func() {
		if err != nil {
			for _, s := range made {
				SemRemove(s)
			}
		}
	}()
	for i, val := range []int{1, blocks, 0} {
		s, err := Semget(key+i, 1, unix.IPC_CREAT|unix.IPC_EXCL|int(perm))
		if err != nil {
			return nil, false, cli.SysHint(fmt.Sprintf("%s: semaphore set %s at key %s", what, semName[i], KeyString(key+i)),
				"semget", err, initHint(err))
		}
		made = append(made, s)
		if err := SemSetVal(s, val); err != nil {
			return nil, false, cli.SysHint(fmt.Sprintf("%s: set %s to %d", what, semName[i], val), "semctl SETVAL", err,
				map[bool]string{true: "a semaphore holds at most SEMVMX 32767: use fewer blocks"}[errors.Is(err, unix.ERANGE)])
		}
	}
	f.Mutex, f.Free, f.Filled = made[0], made[1], made[2]
	return f, true, nil
}

// attach0 attaches a segment Init just made: its header is still all zero.
func attach0(key, id int) (*Fifo, error) {
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, cli.Sys("attach FIFO key "+KeyString(key), "shmat", err)
	}
	return &Fifo{Key: key, ShmID: id, mem: mem}, nil
}

func initExisting(key, blksize, blocks int) (*Fifo, bool, error) {
	f, err := Open(key)
	if err != nil {
		return nil, false, err
	}
	if f.Blksize != blksize || f.Blocks != blocks {
		f.Close()
		return nil, false, cli.SysHint("init FIFO key "+KeyString(key), "shmget", unix.EEXIST,
			fmt.Sprintf("a FIFO with blksize %d blocks %d is there (remove it first: shmfifo destroy %s)", f.Blksize, f.Blocks, KeyString(key)))
	}
	return f, false, nil
}

func initHint(err error) string {
	switch {
	case errors.Is(err, unix.EEXIST):
		return "something else has this key (ipcs shows it; ipcrm removes it)"
	case errors.Is(err, unix.EINVAL):
		return "the size is over SHMMAX (/proc/sys/kernel/shmmax) or more than a shm file can hold"
	case errors.Is(err, unix.ENOMEM), errors.Is(err, unix.ENOSPC):
		return "over a system limit (SHMALL, SEMMNI, SEMMNS: ipcs -l)"
	}
	return ""
}

// p and v are the P and V operations (PV原语) on the one semaphore of set id.
func p(id int, flg int16, timeout time.Duration) error {
	return Semop(id, []Sembuf{{Num: 0, Op: -1, Flg: flg}}, timeout)
}

func v(id int, flg int16) error {
	return Semop(id, []Sembuf{{Num: 0, Op: 1, Flg: flg}}, 0)
}

// Put copies msg into the next free block, NUL-padded to Blksize:
//
//	P(free)  P(mutex)  copy into block wr_index, advance wr_index  V(mutex)  V(filled)
//
// Only the mutex carries SEM_UNDO: if this process dies inside, the kernel
// gives the mutex back. The counting semaphores cannot: one process does P
// and another V, so the undo counter of each side only grows (ERANGE after
// 32767 operations), and at exit the kernel would "undo" messages that were
// delivered long ago.
//
// With timeout > 0, each P waits at most what is left of it (EAGAIN).
// A header scribbled by another process is an ErrCorrupt error: the
// semaphores are given back and nothing is written.
func (f *Fifo) Put(msg []byte, timeout time.Duration) error {
	what := "put into FIFO key " + KeyString(f.Key)
	if len(msg) > f.Blksize {
		return fmt.Errorf("%s: message of %d bytes does not fit a block of %d", what, len(msg), f.Blksize)
	}
	start := time.Now()
	if err := p(f.Free, 0, timeout); err != nil {
		return cli.SysHint(what+": wait for a free block", semCall(timeout), err, waitHint(err, timeout))
	}
	if err := p(f.Mutex, SEM_UNDO, left(start, timeout)); err != nil {
		v(f.Free, 0)
		return cli.SysHint(what+": wait for the mutex", semCall(timeout), err, waitHint(err, timeout))
	}
	wr, err := f.index(hWrIndex)
	if err != nil {
		v(f.Mutex, SEM_UNDO)
		v(f.Free, 0)
		return err
	}
	b := f.block(wr)
	n := copy(b, msg)
	clear(b[n:])
	f.setField(hWrIndex, uint32((wr+1)%f.Blocks))
	if err := v(f.Mutex, SEM_UNDO); err != nil {
		return cli.Sys(what+": release the mutex", "semop", err)
	}
	return cli.Sys(what+": count the filled block", "semop", v(f.Filled, 0))
}

// Get takes the oldest filled block and returns a copy of it (Blksize
// bytes), the mirror image of Put:
//
//	P(filled)  P(mutex)  copy block rd_index, advance rd_index  V(mutex)  V(free)
//
// With timeout > 0 it fails with EAGAIN when nothing comes within timeout.
func (f *Fifo) Get(timeout time.Duration) ([]byte, error) {
	what := "get from FIFO key " + KeyString(f.Key)
	start := time.Now()
	if err := p(f.Filled, 0, timeout); err != nil {
		return nil, cli.SysHint(what+": wait for a filled block", semCall(timeout), err, waitHint(err, timeout))
	}
	if err := p(f.Mutex, SEM_UNDO, left(start, timeout)); err != nil {
		v(f.Filled, 0)
		return nil, cli.SysHint(what+": wait for the mutex", semCall(timeout), err, waitHint(err, timeout))
	}
	rd, err := f.index(hRdIndex)
	if err != nil {
		v(f.Mutex, SEM_UNDO)
		v(f.Filled, 0)
		return nil, err
	}
	msg := append([]byte(nil), f.block(rd)...)
	f.setField(hRdIndex, uint32((rd+1)%f.Blocks))
	if err := v(f.Mutex, SEM_UNDO); err != nil {
		return nil, cli.Sys(what+": release the mutex", "semop", err)
	}
	return msg, cli.Sys(what+": count the free block", "semop", v(f.Free, 0))
}

// left is what remains of timeout since start (at least 1ns, so that a
// timeout never turns into "wait forever").
func left(start time.Time, timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return 0
	}
	return max(timeout-time.Since(start), 1)
}

func semCall(timeout time.Duration) string {
	if timeout > 0 {
		return "semtimedop"
	}
	return "semop"
}

func waitHint(err error, timeout time.Duration) string {
	switch {
	case errors.Is(err, unix.EAGAIN):
		return fmt.Sprintf("nothing within %v", timeout)
	case errors.Is(err, unix.EIDRM), errors.Is(err, unix.EINVAL):
		return "the FIFO was destroyed"
	}
	return ""
}

// Destroy removes the FIFO at key: the segment (shmctl IPC_RMID: it goes
// when the last process detaches) and the three semaphore sets (semctl
// IPC_RMID: at once; waiters wake with EIDRM). It removes whichever of the
// four objects exist and returns how many it removed; none is ENOENT.
func Destroy(key int) (int, error) {
	what := "destroy FIFO key " + KeyString(key)
	removed := 0
	if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
		if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
			return removed, cli.Sys(what, "shmctl IPC_RMID", err)
		}
		removed++
	} else if !errors.Is(err, unix.ENOENT) {
		return removed, cli.Sys(what, "shmget", err)
	}
	for i := range 3 {
		id, err := Semget(key+i, 0, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return removed, cli.Sys(fmt.Sprintf("%s: semaphore set %s", what, semName[i]), "semget", err)
		}
		if err := SemRemove(id); err != nil {
			return removed, cli.Sys(fmt.Sprintf("%s: semaphore set %s", what, semName[i]), "semctl IPC_RMID", err)
		}
		removed++
	}
	if removed == 0 {
		return 0, cli.SysHint(what, "shmget", unix.ENOENT, "nothing to remove: no segment and no semaphore set at this key")
	}
	return removed, nil
}
