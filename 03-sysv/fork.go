//go:build linux && (amd64 || arm64)

// A plain fork for the detach experiment: a child with a copy of this
// process's address space, attached segments included, that waits for a
// word from its parent and then exits or execs. Plumbing, not the lesson.
//
// A Go program may barely do anything in a child made by a plain fork: the
// runtime's other threads are gone, and whatever they held (the heap lock, a
// scheduler lock) is still held in the copied memory. So the child runs one
// //go:nosplit //go:norace //go:nocheckptr function that makes raw system
// calls only and leaves with exit_group or execve, with every signal
// blocked (no Go signal handler may run in it). syscall.ForkExec's own
// child is written the same way; chapter 02 explains it at length.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// forked is a child made by forkWaiting, and the pipes to steer it.
type forked struct {
	pid   int
	ctl   *os.File // write 'x' to make it exit, 'e' to make it exec
	execd *os.File // reads EOF once the child has exec'd (or died)
	stdin *os.File // the exec'd program's stdin: closing it ends it
}

// forkArgs is what the child needs, all made before the fork: descriptors
// as numbers, and the program to exec as C strings.
type forkArgs struct {
	ppid, ctl, ctlW, stdin uintptr
	path                   *byte
	argv, envp             **byte
}

// forkWaiting forks a child that waits on a pipe. On 'e' it execs this
// program in the role "wait" (which reads its stdin to the end, then
// exits), with the read end of a pipe as stdin; on anything else, or when
// the pipe closes, it exits. It dies with its parent (PR_SET_PDEATHSIG).
func forkWaiting() (*forked, error) {
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ctlR.Close()
	execdR, execdW, err := os.Pipe()
	if err != nil {
		ctlW.Close()
		return nil, err
	}
	defer execdW.Close() // the child's copy closes at its exec
	inR, inW, err := os.Pipe()
	if err != nil {
		ctlW.Close()
		execdR.Close()
		return nil, err
	}
	defer inR.Close()
	a, err := waitRoleArgs()
	if err != nil {
		return nil, errors.Join(err, ctlW.Close(), execdR.Close(), inW.Close())
	}
	a.ppid, a.ctl, a.ctlW, a.stdin = uintptr(os.Getpid()), ctlR.Fd(), ctlW.Fd(), inR.Fd()
	pid, err := withSignalsBlocked(a)
	if err != nil {
		return nil, errors.Join(os.NewSyscallError("clone", err), ctlW.Close(), execdR.Close(), inW.Close())
	}
	return &forked{pid: pid, ctl: ctlW, execd: execdR, stdin: inW}, nil
}

// waitRoleArgs builds the execve arguments that start this program in the
// role "wait": the executable itself, argv[1] the role's token, and the
// environment with the role variable added.
func waitRoleArgs() (*forkArgs, error) {
	var tok [12]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(tok[:])
	path, err := syscall.BytePtrFromString("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	argv, err := syscall.SlicePtrFromStrings([]string{os.Args[0], roleArg + token})
	if err != nil {
		return nil, err
	}
	envp, err := syscall.SlicePtrFromStrings(append(os.Environ(), roleEnv+"=wait:"+token))
	if err != nil {
		return nil, err
	}
	argv, envp = append(argv, nil), append(envp, nil)
	return &forkArgs{path: path, argv: &argv[0], envp: &envp[0]}, nil
}

// withSignalsBlocked forks on one OS thread with every signal blocked, and
// restores the mask afterwards. The child keeps the blocked mask.
func withSignalsBlocked(a *forkArgs) (int, error) {
	// ForkLock: no other goroutine is between making a descriptor and
	// marking it close-on-exec while the descriptor table is copied.
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
	pid, errno := forkChild(a)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	runtime.KeepAlive(a)
	if errno != 0 {
		return 0, errno
	}
	return int(pid), nil
}

// forkChild is fork(2) as clone(SIGCHLD) (flags first: right on amd64 and
// arm64), and the whole life of the child, which never returns from it.
//
//go:nosplit
//go:norace
//go:nocheckptr
func forkChild(a *forkArgs) (uintptr, syscall.Errno) {
	pid, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 || pid != 0 {
		return pid, e
	}
	// The child: die with the parent, and not outlive one already gone.
	syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
	if p, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); p != a.ppid {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 3, 0, 0)
	}
	// Its copy of the write end would keep the read below from ever
	// seeing the parent close it.
	syscall.RawSyscall(syscall.SYS_CLOSE, a.ctlW, 0, 0)
	// Wait for the word: 'e' is exec, anything else exit.
	var b [1]byte
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, a.ctl, uintptr(unsafe.Pointer(&b[0])), 1)
		if e != syscall.EINTR {
			if n != 1 {
				b[0] = 0
			}
			break
		}
	}
	if b[0] == 'e' {
		syscall.RawSyscall(syscall.SYS_DUP3, a.stdin, 0, 0)
		syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(a.path)),
			uintptr(unsafe.Pointer(a.argv)), uintptr(unsafe.Pointer(a.envp)))
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 127, 0, 0)
	}
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
}

// wait reaps the child (retrying EINTR) and gives its wait status.
func (f *forked) wait() (syscall.WaitStatus, error) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(f.pid, &ws, 0, nil)
		if err != syscall.EINTR {
			return ws, err
		}
	}
}

// running reports whether the child has not exited yet (it is not reaped).
func (f *forked) running() bool {
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(f.pid, &ws, syscall.WNOHANG, nil)
	return err == nil && pid == 0
}

// end closes the pipes and reaps the child, whatever state it is in.
func (f *forked) end() {
	f.ctl.Close()
	f.stdin.Close()
	f.execd.Close()
	f.wait()
}
