//go:build linux && (amd64 || arm64)

// What a forked Go child needs besides the lesson: signals blocked around the
// fork, and a few tiny functions it may call. They are plumbing, not the
// lesson; lab.go shows where each is used and why.
//
// Why a Go program may barely do anything after a plain fork: the Go runtime
// runs many threads (the scheduler's, the garbage collector's, the ones
// goroutines run on). fork copies only the calling thread. In the child, the
// other threads are gone, but whatever they held is still held in the copied
// memory: the heap lock, a scheduler lock, a half-finished garbage collection.
// Any Go code that allocates, takes a lock, grows its stack, schedules a
// goroutine or runs a signal handler may wait forever for a thread that does
// not exist, or see half-updated runtime data. So the child runs only
// //go:nosplit //go:norace //go:nocheckptr functions (no stack growth, no race
// detector, no pointer checks: all three would call into the runtime) that
// load and store through raw pointers and make raw system calls, and it
// leaves with exit_group. syscall.ForkExec's own child is written the same
// way, but it is no fork: ForkExec (and so os/exec) clones with
// CLONE_VM|CLONE_VFORK, so its child runs on the parent's memory, not a
// copy, and the calling thread sleeps until the child has called exec
// (/usr/local/go/src/syscall/exec_linux.go; fork_clone_flags shows both).

package main

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// withSignalsBlocked runs fork (a function that calls rawFork) on one OS
// thread with every signal blocked, and restores the mask afterwards. The
// child inherits the blocked mask and keeps it until it exits: a Go signal
// handler must never run in the child (it would enter the runtime). SIGKILL
// and SIGSTOP cannot be blocked, and a fault (SIGSEGV, SIGBUS) in the child
// still kills it, with the signal in its wait status.
func withSignalsBlocked(fork func() (uintptr, syscall.Errno)) (int, error) {
	// ForkLock: no other goroutine is between creating a descriptor and
	// marking it close-on-exec while we copy the descriptor table.
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	all := ^uint64(0)
	var old uint64
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK,
		uintptr(unsafe.Pointer(&all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return 0, e
	}
	pid, errno := fork()
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(pid), nil
}

// rawFork is fork(2) as the raw system call clone(SIGCHLD): a new process
// with a copy of this one's address space, which signals SIGCHLD when it
// exits. It returns the child's pid in the parent and 0 in the child. No
// runtime hook runs on either side. Only a //go:nosplit //go:norace
// //go:nocheckptr function may call it, and in the child that function must
// end with exitGroup. clone's argument order differs between architectures
// (s390x puts the stack first); passing only the flags is right on amd64 and
// arm64, the two the lab builds for (the build constraints say so).
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawFork() (uintptr, syscall.Errno) {
	// clone(flags, stack 0 = keep the current stack (copied), ptid, ctid/tls, tls/ctid)
	r, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	return r, e
}

// childSetup makes a forked child die with its parent (prctl
// PR_SET_PDEATHSIG, SIGKILL) and exits at once if the parent is already gone
// (then getppid is no longer ppid). It also closes the child's copies of
// descriptors 0, 1 and 2: the child never reads or writes them, and a copy
// of the write end of whatever reads this program's output (a terminal, a
// pipe to a test) would keep that reader waiting for as long as the child
// lives.
//
//go:nosplit
//go:norace
//go:nocheckptr
func childSetup(ppid uintptr) {
	syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
	for fd := uintptr(0); fd < 3; fd++ {
		syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	}
	if p, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); p != ppid {
		exitGroup(3)
	}
}

// exitGroup ends the child process at once: no deferred functions, no
// runtime exit hooks, nothing flushed.
//
//go:nosplit
//go:norace
//go:nocheckptr
func exitGroup(status uintptr) {
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, status, 0, 0)
	}
}

// rawCopy copies n bytes from src to dst, one byte at a time: no call to
// memmove, no bounds check that could panic.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawCopy(dst, src unsafe.Pointer, n int) {
	for i := 0; i < n; i++ {
		*(*byte)(unsafe.Add(dst, i)) = *(*byte)(unsafe.Add(src, i))
	}
}

// rawWait blocks the child until the parent writes a byte to the pipe fd (or
// closes its end, or dies), reading into buf (one byte of memory).
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawWait(fd uintptr, buf unsafe.Pointer) {
	for {
		_, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(buf), 1)
		if e != syscall.EINTR {
			return
		}
	}
}

// rawClose closes a descriptor in the child.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawClose(fd uintptr) {
	syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
}

// rawLockstep is one step of the counter's forced interleaving. step points
// to two 8-byte words in shared memory: the number of children in step
// (set by the parent before it opens the start gate; 0 lets every child run
// free, and then rawLockstep returns at once), and how many steps all of
// them have taken so far. A child at its round-th step adds itself and
// waits (FUTEX_WAIT on that count, shared between processes) until every
// child has reached the same step; the last one to arrive wakes the others.
// A child that loads the counter, calls rawLockstep, then stores, stores
// only after every child has loaded: the interleaving that loses updates,
// every time, with no sleep.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawLockstep(step unsafe.Pointer, round uintptr) {
	procs := *(*uint64)(step)
	if procs == 0 {
		return
	}
	steps := unsafe.Add(step, 8)
	atomicAdd64(steps, 1)
	target := (uint64(round) + 1) * procs
	for {
		// A plain 8-byte load is atomic on amd64 and arm64; the futex
		// calls keep the compiler from caching it.
		n := *(*uint64)(steps)
		if n >= target {
			if n == target {
				syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(steps), futexWake, 1<<31-1, 0, 0, 0)
			}
			return
		}
		// Sleeps only while the count is still n (its low 32 bits).
		syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(steps), futexWait, uintptr(uint32(n)), 0, 0, 0)
	}
}

// futex(2) operations, shared between processes (no FUTEX_PRIVATE_FLAG).
const (
	futexWait = 0
	futexWake = 1
)
