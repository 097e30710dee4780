//go:build linux && (amd64 || arm64) && !exercise

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
	"sync/atomic"
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
	if f.Sync == "posix" {
		return f.putPosix(msg, timeout) // the fast path: below, after Destroy
	}
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
	if f.Sync == "posix" {
		b := make([]byte, f.Blksize)
		if err := f.getPosix(b, timeout); err != nil {
			return nil, err
		}
		return b, nil
	}
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

func semCall(timeout time.Duration) string {
	if timeout > 0 {
		return "semtimedop"
	}
	return "semop"
}

// Destroy removes the FIFO at key: the segment (shmctl IPC_RMID: it goes
// when the last process detaches) and the three semaphore sets (semctl
// IPC_RMID: at once; waiters wake with EIDRM). It removes whichever of the
// four objects exist and returns how many it removed; none is ENOENT.
// A posix-mode FIFO has no sets (any set at its keys is someone else's),
// and removing a segment wakes nobody: markDestroyed (posix.go) tells its
// waiters first.
func Destroy(key int) (int, error) {
	what := "destroy FIFO key " + KeyString(key)
	removed := 0
	posix := false
	if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
		posix = markDestroyed(id)
		if _, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil); err != nil {
			return removed, cli.Sys(what, "shmctl IPC_RMID", err)
		}
		removed++
	} else if !errors.Is(err, unix.ENOENT) {
		return removed, cli.Sys(what, "shmget", err)
	}
	for i := range 3 {
		if posix {
			break // its sets do not exist; sets at these keys belong to someone else
		}
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

// ---- The fast path (-sync posix): futexes on words in the segment ----
//
// A System V semaphore is a kernel object: every P and every V is a system
// call, even when nobody has to wait. A futex ("fast user-space mutex") is
// an ordinary 32-bit word in shared memory that the processes change with
// atomic instructions; the kernel is asked only to sleep until the word
// changes (FUTEX_WAIT) and to wake sleepers (FUTEX_WAKE). When nobody waits,
// nothing enters the kernel. glibc's POSIX semaphores (sem_t) and mutexes
// are built this way.

// FutexWait sleeps while *addr == val (futex(2) FUTEX_WAIT), at most timeout
// (0: no limit). The kernel compares *addr with val and queues the caller
// atomically, so a FUTEX_WAKE that comes after the caller's last look at
// the word is never lost: if the word changed already, FUTEX_WAIT returns
// EAGAIN at once.
//
// The word is in memory shared between processes, so FUTEX_PRIVATE_FLAG is
// not set: the kernel keys the wait queue on the page (inode and offset),
// not on this process's address.
//
// It returns nil when woken, when the word was not val (EAGAIN) and when a
// signal interrupted the sleep (EINTR): all three mean "look at the word
// again". Errors: ETIMEDOUT (timeout passed), EFAULT (addr not mapped),
// EINVAL (addr not 4-byte aligned).
func FutexWait(addr *uint32, val uint32, timeout time.Duration) error {
	var ts *unix.Timespec
	if timeout > 0 {
		t := unix.NsecToTimespec(int64(timeout)) // relative: FUTEX_WAIT takes a duration
		ts = &t
	}
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitOp,
		uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
	switch e {
	case 0, unix.EAGAIN, unix.EINTR:
		return nil
	}
	return e
}

// FutexWake wakes at most n processes sleeping in FUTEX_WAIT on addr
// (futex(2) FUTEX_WAKE, shared) and returns how many it woke.
func FutexWake(addr *uint32, n int) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp, uintptr(n), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// Wait is sem_wait(3) (sem_timedwait with timeout > 0), the algorithm of
// glibc's nptl (sem_waitcommon.c) on the 64-bit data word:
//
//   - fast path: while the value is above 0, compare-and-swap it one lower.
//     Nothing enters the kernel.
//   - slow path: add 1 to the waiters (the high half) so that every Post
//     knows to wake someone, then loop: if the value is above 0, take one
//     and leave the waiters in the same compare-and-swap; else FUTEX_WAIT on
//     the value word while it is 0.
//
// Errors: ETIMEDOUT (timeout passed), EIDRM (the FIFO was destroyed). A
// waiter that gives up takes itself off the waiters.
func (s *Sem) Wait(timeout time.Duration) error {
	d := atomic.LoadUint64(s.Word)
	for uint32(d) > 0 {
		if atomic.CompareAndSwapUint64(s.Word, d, d-1) {
			return nil
		}
		d = atomic.LoadUint64(s.Word)
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	const oneWaiter = 1 << semNwaitersShift
	d = atomic.AddUint64(s.Word, oneWaiter)
	for {
		for uint32(d) > 0 {
			if atomic.CompareAndSwapUint64(s.Word, d, d-1-oneWaiter) {
				return nil
			}
			d = atomic.LoadUint64(s.Word)
		}
		if err := futexSleep(low32(s.Word), 0, s.Dead, s.Waits, deadline, timeout); err != nil {
			atomic.AddUint64(s.Word, ^uint64(oneWaiter-1)) // minus one waiter
			return err
		}
		d = atomic.LoadUint64(s.Word)
	}
}

// Post is sem_post(3) as glibc's nptl does it (sem_post.c): add 1 to the
// value with a compare-and-swap (EOVERFLOW at SEM_VALUE_MAX), and only if
// the high half counts waiters, FUTEX_WAKE one of them. With nobody
// waiting, nothing enters the kernel.
func (s *Sem) Post() error {
	d := atomic.LoadUint64(s.Word)
	for {
		if uint32(d) >= SemValueMax {
			return unix.EOVERFLOW
		}
		if atomic.CompareAndSwapUint64(s.Word, d, d+1) {
			break
		}
		d = atomic.LoadUint64(s.Word)
	}
	if d>>semNwaitersShift != 0 {
		bump(s.Wakes)
		if _, err := FutexWake(low32(s.Word), 1); err != nil {
			return err
		}
	}
	return nil
}

// RingPut is put on a single-producer/single-consumer ring: no mutex and
// no semaphore. head counts the messages put, tail those taken (both only
// grow; block = counter mod blocks); only the producer writes head and only
// the consumer writes tail, so each side needs nothing but atomic loads and
// stores of the other's counter:
//
//	wait while head - tail == blocks (full)
//	copy into block head mod blocks; store head+1 (after the copy)
//	if the consumer said it sleeps: clear its flag, FUTEX_WAKE it
//
// To sleep, the producer sets its waiting flag, looks at tail once more and
// sleeps in FUTEX_WAIT on tail's low word with the value it saw. The
// consumer stores tail first and reads the flag second; sync/atomic's
// operations are sequentially consistent, so either the consumer sees the
// flag (and wakes) or the producer sees the new tail (and does not sleep),
// and FUTEX_WAIT itself refuses to sleep on a word that moved. So futex
// calls happen only when the ring is full or empty, and before it sleeps
// a side spins a little (ringSpin looks at the other's counter), because a
// sleep and a wake-up cost two system calls and a context switch, more
// than the other side usually needs to move.
//
// A producer killed at any point leaves no trace but its claim (taken over
// by the next producer, see claim): a block is published by the store of
// head, after its copy. Killed between that store and its FUTEX_WAKE, it
// leaves the consumer asleep until its futexSlice ends.
func (f *Fifo) RingPut(msg []byte, timeout time.Duration) error {
	if len(msg) > f.Blksize {
		return fmt.Errorf("%s: message of %d bytes does not fit a block of %d", f.what("put"), len(msg), f.Blksize)
	}
	headp, tailp := f.u64(offProd+sideCounter), f.u64(offCons+sideCounter)
	head := atomic.LoadUint64(headp)
	if head-f.seenTail >= uint64(f.Blocks) { // full, as far as we last saw
		tail, err := f.ringWait(func(head, tail uint64) bool { return head-tail < uint64(f.Blocks) },
			tailp, f.u32(offProdWaiting), offProd, timeout)
		if err != nil {
			return cli.SysHint(f.what("put")+": wait for a free block", "futex", err, waitHint(err, timeout))
		}
		f.seenTail = tail
	}
	if err := f.checkHeader(); err != nil {
		return err
	}
	b := f.block(int(head % uint64(f.Blocks)))
	n := copy(b, msg)
	clear(b[n:])
	atomic.StoreUint64(headp, head+1) // publish: after the copy
	if w := f.u32(offConsWaiting); atomic.LoadUint32(w) != 0 && atomic.SwapUint32(w, 0) != 0 {
		bump(f.u64(offProd + sideWakes))
		if _, err := FutexWake(low32(headp), 1); err != nil {
			return cli.Sys(f.what("put")+": wake the consumer", "futex", err)
		}
	}
	return nil
}

// RingGet is the mirror of RingPut: wait while head == tail (empty; then,
// with small blocks, slip a little behind the producer), copy block tail
// mod blocks into dst, store tail+1, wake the producer if it sleeps. A consumer killed before its store of tail leaves the block in
// the ring for the next consumer; killed after it, it loses that block
// (as with the semaphores: the message it held).
func (f *Fifo) RingGet(dst []byte, timeout time.Duration) error {
	headp, tailp := f.u64(offProd+sideCounter), f.u64(offCons+sideCounter)
	tail := atomic.LoadUint64(tailp)
	if f.seenHead <= tail { // empty, as far as we last saw
		head, err := f.ringWait(func(head, tail uint64) bool { return head != tail },
			headp, f.u32(offConsWaiting), offCons, timeout)
		if err != nil {
			return cli.SysHint(f.what("get")+": wait for a filled block", "futex", err, waitHint(err, timeout))
		}
		f.seenHead = f.slip(head, tail, headp)
	}
	if err := f.checkHeader(); err != nil {
		return err
	}
	copy(dst, f.block(int(tail%uint64(f.Blocks))))
	atomic.StoreUint64(tailp, tail+1) // give the block back: after the copy
	if w := f.u32(offProdWaiting); atomic.LoadUint32(w) != 0 && atomic.SwapUint32(w, 0) != 0 {
		bump(f.u64(offCons + sideWakes))
		if _, err := FutexWake(low32(tailp), 1); err != nil {
			return cli.Sys(f.what("get")+": wake the producer", "futex", err)
		}
	}
	return nil
}

// slip is what a consumer that found the ring empty does once a message
// comes: with small blocks it lets the producer get ringSlipBytes ahead
// (looking at head at most ringSlipLooks times, about half a microsecond),
// then takes what is there. Without it the consumer reads block i while the
// producer writes block i+1, and 64-byte blocks at offset 16 share cache
// lines: each message bounces lines and the head counter between the two
// cores' caches. Measured here (2 million 64-byte messages, 15 runs each,
// taken in turns): without it 58 to 336 ns a message, 7 runs over 170 ns;
// with it 59 to 143 ns. The median is the same: slipping removes the slow
// runs. It costs latency: a 64-byte ping-pong round trip took 1.5 to 2.0 µs
// with it, 0.8 to 1.5 µs without. This is the "temporal slipping" of
// FastForward (Giacomoni et al., PPoPP 2008).
func (f *Fifo) slip(head, tail uint64, headp *uint64) uint64 {
	if f.Blksize >= ringSlipBytes {
		return head
	}
	want := min(uint64(ringSlipBytes/f.Blksize), uint64(f.Blocks/4))
	for i := 0; i < ringSlipLooks && head-tail < want; i++ {
		head = atomic.LoadUint64(headp)
	}
	return head
}

const (
	ringSlipBytes = 1024
	ringSlipLooks = 300
)

// ringSpin is how many times a side looks at the other's counter before it
// goes to sleep. On the machine an earlier session measured with, shorter
// spins (2000) made 0.26 to 0.35 futex calls per 4 KiB message and this one
// about none (bench's futex/msg column shows it on yours): a sleep and a
// wake-up cost more than the whole spin.
const ringSpin = 20000

// ringWait waits until ready(head, tail) holds, first spinning, then
// sleeping on the other side's counter (other) with this side's waiting
// flag set. It returns the other side's counter as it saw it last.
func (f *Fifo) ringWait(ready func(head, tail uint64) bool, other *uint64, waiting *uint32, side int, timeout time.Duration) (uint64, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for spin := 0; ; spin++ {
		head, tail, err := f.ringState()
		if err != nil {
			return 0, err
		}
		if ready(head, tail) {
			return atomic.LoadUint64(other), nil
		}
		if spin < ringSpin {
			continue
		}
		if atomic.LoadUint32(f.u32(offDead)) != 0 {
			return 0, unix.EIDRM
		}
		sleep, err := sleepFor(deadline, timeout)
		if err != nil {
			return 0, err
		}
		seen := atomic.LoadUint64(other)
		atomic.StoreUint32(waiting, 1)
		if head, tail, _ := f.ringState(); ready(head, tail) {
			atomic.StoreUint32(waiting, 0) // it moved meanwhile: no sleep, no wake needed
			continue
		}
		bump(f.u64(side + sideWaits))
		if err := FutexWait(low32(other), uint32(seen), sleep); err != nil && err != unix.ETIMEDOUT {
			return 0, err
		}
	}
}

// Lock is pthread_mutex_lock(3) (pthread_mutex_timedlock with timeout > 0)
// on the FIFO's robust mutex, the algorithm of glibc's nptl
// (pthread_mutex_lock.c, the PTHREAD_MUTEX_ROBUST_NORMAL_NP case). The lock
// word is 0 when free, else the owner's id (robustTID: this process's pid),
// with FUTEX_WAITERS set once anybody sleeps on it:
//
//   - announce the lock in list_op_pending (robustPending), so that a
//     death between here and the list still reaches the kernel;
//   - loop: a free word (0) is taken by one compare-and-swap from 0 to our
//     id; a word with FUTEX_OWNER_DIED (the kernel set it when the owner
//     died) is taken by a compare-and-swap to our id, keeping FUTEX_WAITERS,
//     and the caller is told: ownerDied true, __owner marked
//     PTHREAD_MUTEX_INCONSISTENT until Consistent; a word held by a live
//     owner gets FUTEX_WAITERS (compare-and-swap) and we FUTEX_WAIT on it;
//   - once taken: __count 1, on the robust list (robustEnqueue), pending
//     cleared, __owner our id, __nusers + 1.
//
// A waiter that took the lock after sleeping keeps FUTEX_WAITERS in its id
// (others may still sleep), so its Unlock wakes one. Errors: ETIMEDOUT,
// EIDRM (the FIFO was destroyed), ENOTRECOVERABLE (a taker from a dead owner
// unlocked it without Consistent), and robustErr if the list could not be
// registered.
func (m *Mutex) Lock(timeout time.Duration) (ownerDied bool, err error) {
	if robustErr != nil {
		return false, robustErr
	}
	robustMu.Lock()
	id := uint32(robustTID)
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	robustPending(m)
	w := m.word()
	var keepWaiters uint32 // FUTEX_WAITERS once we have slept: others may sleep too
	old := atomic.LoadUint32(w)
	for {
		if old == 0 {
			if atomic.CompareAndSwapUint32(w, 0, id|keepWaiters) {
				break
			}
			old = atomic.LoadUint32(w)
			continue
		}
		if old&futexOwnerDied != 0 {
			if !atomic.CompareAndSwapUint32(w, old, id|old&futexWaiters|keepWaiters) {
				old = atomic.LoadUint32(w)
				continue
			}
			atomic.StoreUint32(m.field(mutexCountOff), 1)
			atomic.StoreUint32(m.field(mutexOwnerOff), mutexInconsistent)
			robustEnqueue(m)
			robustPending(nil)
			bump(m.Recovered)
			return true, nil
		}
		if old&futexWaiters == 0 {
			if !atomic.CompareAndSwapUint32(w, old, old|futexWaiters) {
				old = atomic.LoadUint32(w)
				continue
			}
			old |= futexWaiters
		}
		keepWaiters = futexWaiters
		if err := futexSleep(w, old, m.Dead, m.Waits, deadline, timeout); err != nil {
			robustPending(nil)
			robustMu.Unlock()
			return false, err
		}
		old = atomic.LoadUint32(w)
	}
	if int32(atomic.LoadUint32(m.field(mutexOwnerOff))) == mutexNotRecoverable {
		if atomic.SwapUint32(w, 0)&futexWaiters != 0 {
			FutexWake(w, 1)
		}
		robustPending(nil)
		robustMu.Unlock()
		return false, unix.ENOTRECOVERABLE
	}
	atomic.StoreUint32(m.field(mutexCountOff), 1)
	robustEnqueue(m)
	robustPending(nil)
	atomic.StoreUint32(m.field(mutexOwnerOff), id)
	atomic.AddUint32(m.field(mutexNusersOff), 1)
	return false, nil
}

// Unlock is pthread_mutex_unlock(3) on the robust mutex: EPERM unless this
// process holds it; __owner back to 0 (or PTHREAD_MUTEX_NOTRECOVERABLE if it
// was taken from a dead owner and never made Consistent); off the robust
// list, with list_op_pending set around it; then one atomic exchange of the
// lock word with 0 and, only if FUTEX_WAITERS was in it, FUTEX_WAKE one.
func (m *Mutex) Unlock() error {
	w := m.word()
	if atomic.LoadUint32(w)&futexTIDMask != uint32(robustTID) {
		return unix.EPERM
	}
	owner := uint32(0)
	if int32(atomic.LoadUint32(m.field(mutexOwnerOff))) == mutexInconsistent {
		owner = mutexNotRecoverable
	}
	robustPending(m)
	robustDequeue(m)
	atomic.StoreUint32(m.field(mutexOwnerOff), owner)
	atomic.AddUint32(m.field(mutexNusersOff), ^uint32(0)) // minus one (a dead owner's +1 goes here too)
	var err error
	if atomic.SwapUint32(w, 0)&futexWaiters != 0 {
		bump(m.Wakes)
		_, err = FutexWake(w, 1)
	}
	robustPending(nil)
	robustMu.Unlock()
	return err
}
