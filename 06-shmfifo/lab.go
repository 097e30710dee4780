//go:build linux && (amd64 || arm64) && !exercise

// The course's lesson of chapter 06: System V semaphores (course ep. 30-31)
// and the shmfifo of ep. 33 built from them: a ring of fixed-size blocks in
// one shared memory segment, guarded by three semaphores, the way UNP vol. 2
// and the course solve the producer/consumer problem (生产者消费者问题).
//
// The semaphore calls are not in golang.org/x/sys/unix, so each wrapper
// below makes the raw system call, as glibc's semget/semop/semctl do.
// Errors are the kernel's: an *os.SyscallError naming the call.
//
// Every wait takes a timeout the same way: negative waits for ever, 0 does
// not wait (EAGAIN at once), more gives up after that long.

package main

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
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
		return -1, os.NewSyscallError("semget", e)
	}
	return int(id), nil
}

// Semop applies ops to set id atomically (all or none): semop(2) waiting
// for ever (timeout < 0), semop with IPC_NOWAIT added to each operation
// (timeout 0: EAGAIN at once), or semtimedop(2) (timeout > 0: a P that
// cannot proceed within timeout fails with EAGAIN).
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
		return os.NewSyscallError("semop", unix.EINVAL)
	}
	if timeout == 0 {
		ops = append([]Sembuf(nil), ops...)
		for i := range ops {
			ops[i].Flg |= IPC_NOWAIT
		}
	}
	until := time.Now().Add(timeout)
	for {
		call, e := "semop", unix.Errno(0)
		if timeout > 0 {
			left := time.Until(until)
			if left <= 0 {
				return os.NewSyscallError("semtimedop", unix.EAGAIN)
			}
			ts := unix.NsecToTimespec(int64(left))
			call = "semtimedop"
			_, _, e = unix.Syscall6(unix.SYS_SEMTIMEDOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])),
				uintptr(len(ops)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		} else {
			_, _, e = unix.Syscall(unix.SYS_SEMOP, uintptr(id), uintptr(unsafe.Pointer(&ops[0])), uintptr(len(ops)))
		}
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return os.NewSyscallError(call, e)
	}
}

// semctl is semctl(2) with the fourth argument (union semun) passed as the
// kernel reads it: a value for SETVAL, an address for IPC_STAT. call names
// the command in errors ("semctl SETVAL").
func semctl(id, num, cmd int, arg uintptr, call string) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), arg, 0, 0)
	if e != 0 {
		return -1, os.NewSyscallError(call, e)
	}
	return int(r), nil
}

// SemSetVal sets the value of the one semaphore of set id (semctl SETVAL).
// Errors: ERANGE (val < 0 or > SEMVMX 32767), EINVAL, EIDRM, EPERM/EACCES.
func SemSetVal(id, val int) error {
	_, err := semctl(id, 0, SETVAL, uintptr(val), "semctl SETVAL")
	return err
}

// SemGetVal reads the value of the one semaphore of set id (semctl GETVAL).
func SemGetVal(id int) (int, error) {
	return semctl(id, 0, GETVAL, 0, "semctl GETVAL")
}

// SemNsems returns how many semaphores set id holds, from the struct
// semid64_ds that semctl(IPC_STAT) fills.
func SemNsems(id int) (int, error) {
	var ds [128]byte // larger than semid64_ds on every 64-bit architecture
	if _, err := semctl(id, 0, unix.IPC_STAT, uintptr(unsafe.Pointer(&ds[0])), "semctl IPC_STAT"); err != nil {
		return 0, err
	}
	return int(*(*uint64)(unsafe.Pointer(&ds[semidNsemsOffset()]))), nil
}

// SemRemove removes set id at once (semctl IPC_RMID): every process waiting
// in semop on it wakes with EIDRM.
func SemRemove(id int) error {
	_, err := semctl(id, 0, unix.IPC_RMID, 0, "semctl IPC_RMID")
	return err
}

// Init makes the FIFO at key: a segment of HeaderSize + blksize*blocks bytes
// holding the header {blksize, blocks, 0, 0}, and three one-semaphore sets:
// key (mutex, 1), key+1 (free blocks, blocks), key+2 (filled blocks, 0).
// Every object is created with IPC_EXCL and mode perm.
//
// If a FIFO with the same geometry is already at key, Init opens it and
// returns created false; anything else there is shmget's EEXIST. If any
// step fails, what Init made so far is removed: a failed init leaks nothing.
//
// Errors: shmget EEXIST (key taken by something else), EINVAL (a size over
// SHMMAX), ENOMEM/ENOSPC (limits); semget EEXIST (key+1 or key+2 taken);
// semctl SETVAL ERANGE (blocks over SEMVMX 32767).
func Init(key, blksize, blocks int, perm uint32) (_ *Fifo, created bool, err error) {
	if blksize <= 0 || blocks <= 0 {
		return nil, false, fmt.Errorf("blksize %d, blocks %d: both must be at least 1", blksize, blocks)
	}
	// blksize and blocks fit in uint32 (the header's fields), so the size
	// fits in uint64; int(size) hands the kernel the same 64 bits.
	size := uint64(HeaderSize) + uint64(blksize)*uint64(blocks)
	id, err := unix.SysvShmGet(key, int(size), unix.IPC_CREAT|unix.IPC_EXCL|int(perm))
	if errors.Is(err, unix.EEXIST) {
		return initExisting(key, blksize, blocks)
	}
	if err != nil {
		return nil, false, os.NewSyscallError("shmget", err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, false, os.NewSyscallError("shmat", err)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem, Sync: "sysv", Blksize: blksize, Blocks: blocks}
	// The header first: a process that opens the FIFO before the semaphores
	// exist fails on semget (ENOENT) instead of waiting on a zero mutex.
	f.setField(hBlksize, uint32(blksize))
	f.setField(hBlocks, uint32(blocks))
	f.setField(hRdIndex, 0)
	f.setField(hWrIndex, 0)
	// Then the three sets; if one fails, remove the segment too.
	if err := f.makeSets(perm); err != nil {
		f.Close()
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, false, err
	}
	f.bindSysv()
	return f, true, nil
}

// makeSets makes the sets at Key, Key+1 and Key+2 with the start values
// 1 (mutex), Blocks (free) and 0 (filled), or none of them.
func (f *Fifo) makeSets(perm uint32) error {
	var made []int
	for i, val := range []int{1, f.Blocks, 0} {
		s, err := Semget(f.Key+i, 1, unix.IPC_CREAT|unix.IPC_EXCL|int(perm))
		if err == nil {
			made = append(made, s)
			err = SemSetVal(s, val)
		}
		if err != nil {
			for _, s := range made {
				SemRemove(s)
			}
			return err
		}
	}
	f.Mutex, f.Free, f.Filled = made[0], made[1], made[2]
	return nil
}

// initExisting opens the FIFO already at key if it has this geometry.
func initExisting(key, blksize, blocks int) (*Fifo, bool, error) {
	f, err := Open(key)
	if err != nil {
		return nil, false, err
	}
	if f.Blksize != blksize || f.Blocks != blocks {
		f.Close()
		return nil, false, os.NewSyscallError("shmget", unix.EEXIST)
	}
	return f, false, nil
}

// Put copies msg into the next free block, NUL-padded to Blksize, the
// course's shmfifo_put:
//
//	P(free)  P(mutex)  copy into block wr_index, advance wr_index  V(mutex)  V(filled)
//
// The same code serves both kinds of FIFO: f.free, f.filled and f.mutex are
// the System V sets (bindSysv: only the mutex with SEM_UNDO) or the futex
// semaphores and robust mutex of a -sync posix FIFO (lab_fast.go).
//
// A P that fails gives back what was taken and returns the error (EAGAIN or
// ETIMEDOUT for a timeout, EIDRM when the FIFO was destroyed). A header
// scribbled by another process is an ErrCorrupt error: the semaphores are
// given back and nothing is written.
func (f *Fifo) Put(msg []byte, timeout time.Duration) error {
	if len(msg) > f.Blksize {
		return fmt.Errorf("message of %d bytes does not fit a block of %d", len(msg), f.Blksize)
	}
	start := time.Now()
	// P(free): wait for a block nobody has filled.
	if err := f.free.Wait(timeout); err != nil {
		return err
	}
	// P(mutex): one process at a time moves wr_index.
	if err := f.mutex.Lock(remaining(start, timeout)); err != nil {
		f.free.Post()
		return err
	}
	// Copy into block wr_index (checked first: the header is input), then
	// advance it.
	wr, err := f.index(hWrIndex)
	if err != nil {
		f.mutex.Unlock()
		f.free.Post()
		return err
	}
	b := f.block(wr)
	clear(b[copy(b, msg):])
	f.setField(hWrIndex, uint32((wr+1)%f.Blocks))
	// V(mutex), V(filled): let the next producer in, and a consumer.
	if err := f.mutex.Unlock(); err != nil {
		return err
	}
	return f.filled.Post()
}

// Get takes the oldest filled block into dst (Blksize bytes), the mirror
// image of Put, the course's shmfifo_get:
//
//	P(filled)  P(mutex)  copy block rd_index, advance rd_index  V(mutex)  V(free)
func (f *Fifo) Get(dst []byte, timeout time.Duration) error {
	start := time.Now()
	// P(filled): wait for a block a producer has filled.
	if err := f.filled.Wait(timeout); err != nil {
		return err
	}
	// P(mutex): one process at a time moves rd_index.
	if err := f.mutex.Lock(remaining(start, timeout)); err != nil {
		f.filled.Post()
		return err
	}
	// Copy block rd_index out (checked first), then advance it.
	rd, err := f.index(hRdIndex)
	if err != nil {
		f.mutex.Unlock()
		f.filled.Post()
		return err
	}
	copy(dst, f.block(rd))
	f.setField(hRdIndex, uint32((rd+1)%f.Blocks))
	// V(mutex), V(free): the block may be filled again.
	if err := f.mutex.Unlock(); err != nil {
		return err
	}
	return f.free.Post()
}

// Destroy removes the FIFO at key: the segment (shmctl IPC_RMID: it goes
// when the last process detaches) and the three semaphore sets (semctl
// IPC_RMID: at once; waiters wake with EIDRM). It removes whichever of the
// four objects exist and returns how many it removed; none is shmget's
// ENOENT. A posix-mode FIFO has no sets (any set at its keys is someone
// else's), and removing a segment wakes nobody: Destroy wakes its waiters
// itself (posixWaiters, syncarea.go), once the segment is really removed.
func Destroy(key int) (int, error) {
	removed := 0
	posix := false
	if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
		// A posix FIFO's waiters sleep on words of the segment: attach it
		// now (the mapping outlives IPC_RMID) to wake them afterwards.
		waiters := watchWaiters(key, id)
		if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
			waiters.Drop() // still there: it goes on working, its waiters too
			return removed, os.NewSyscallError("shmctl IPC_RMID", err)
		}
		posix = waiters.Wake()
		removed++
	} else if !errors.Is(err, unix.ENOENT) {
		return removed, os.NewSyscallError("shmget", err)
	}
	for i := 0; i < 3 && !posix; i++ {
		id, err := Semget(key+i, 0, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err == nil {
			err = SemRemove(id)
		}
		if err != nil {
			return removed, err
		}
		removed++
	}
	if removed == 0 {
		return 0, os.NewSyscallError("shmget", unix.ENOENT)
	}
	return removed, nil
}
