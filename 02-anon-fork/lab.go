//go:build linux && (amd64 || arm64) && !exercise

// The lesson of chapter 02: anonymous shared memory (匿名映射) between a
// parent and the child it forks (notes 000 part 4, 001 §1.1.1.1
// MAP_ANONYMOUS), the Go way to hand such memory to a new process (a memfd
// passed to a re-executed child), and the right way for unrelated processes
// (a memfd passed over a UNIX socket with SCM_RIGHTS, course ep. 22).
// Each function returns the bare error of the call that failed
// (os.NewSyscallError(call, errno)); the experiment files, one per
// experiment, say what was tried and what to do about it.

package main

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MapAnon maps length bytes of anonymous memory: mmap with MAP_ANONYMOUS and
// fd -1 (notes 001 §1.1.1.1). flags is MAP_SHARED or MAP_PRIVATE; it decides
// what a forked child gets: the same pages (MAP_SHARED), or pages that are
// copied as soon as either side writes (MAP_PRIVATE, copy-on-write).
// Errors: EINVAL (length 0), ENOMEM (no room in the address space).
func MapAnon(length, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(length), unix.PROT_READ|unix.PROT_WRITE, flags|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// MapWith is mmap with every argument but the address in the caller's hands:
// fd, offset, length and flags (PROT_READ|PROT_WRITE always). It is how the
// flags experiment asks the kernel what MAP_ANONYMOUS does with fd and offset.
// Errors: EBADF (fd is not an open descriptor and MAP_ANONYMOUS is not set),
// EINVAL (offset not a multiple of the page size, length 0, or neither
// MAP_SHARED nor MAP_PRIVATE), EACCES (fd not open for reading).
func MapWith(fd int, offset int64, length, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(fd, offset, nil, uintptr(length), unix.PROT_READ|unix.PROT_WRITE, flags)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// MapDevZero maps length bytes of /dev/zero MAP_SHARED: the way to get
// shared anonymous memory before MAP_ANONYMOUS existed (UNP2 §12.5).
// Each MAP_SHARED mapping of /dev/zero gets a fresh, zero-filled object of
// its own, so only this process and the children it forks afterwards share
// it. The descriptor is closed at once: the mapping keeps the object alive.
// Errors: ENOENT (no /dev/zero, as in some containers), EACCES.
func MapDevZero(length int) ([]byte, error) {
	fd, err := unix.Open("/dev/zero", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("open", err)
	}
	defer unix.Close(fd)
	p, err := unix.MmapPtr(fd, 0, nil, uintptr(length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// Unmap removes a mapping made by one of the functions above (munmap).
func Unmap(b []byte) error {
	err := unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b)))
	if err != nil {
		return os.NewSyscallError("munmap", err)
	}
	return nil
}

// ForkTouch forks (clone with SIGCHLD, see rawFork) a child that, between
// the two processes, shows what a shared and a private anonymous page are
// (notes 000 part 4):
//
//  1. it copies the private page's first msgLen bytes, as it found them, to
//     shared[offChildSawBefore:] (the parent wrote them before the fork);
//  2. it writes msgChild at the start of both pages;
//  3. it waits on the pipe gate (the parent writes a byte after it has
//     written msgParentAfter at private[offParentAfter:]);
//  4. it copies private[offParentAfter:] to shared[offChildSawAfter:] and
//     exits with status 0.
//
// It returns the child's pid; the parent must reap it with WaitChild.
// shared needs 512 bytes, private 128. Errors: EAGAIN (too many processes,
// RLIMIT_NPROC), ENOMEM.
func ForkTouch(shared, private []byte, gate int) (int, error) {
	if len(shared) < 512 || len(private) < 128 {
		return 0, errors.New("the shared page needs 512 bytes and the private one 128")
	}
	s, p := unsafe.Pointer(&shared[0]), unsafe.Pointer(&private[0])
	msg := unsafe.Pointer(unsafe.StringData(msgChild))
	ppid := uintptr(unix.Getpid())
	pid, err := withSignalsBlocked(func() (uintptr, syscall.Errno) {
		return forkTouch(s, p, msg, uintptr(gate), ppid)
	})
	if err != nil {
		return 0, os.NewSyscallError("clone", err)
	}
	return pid, nil
}

// forkTouch is ForkTouch's fork and child. After rawFork returns 0 it runs
// in the child, which may do nothing but load, store and make raw system
// calls (see forksafe.go for why), and never returns.
//
//go:nosplit
//go:norace
//go:nocheckptr
func forkTouch(shared, private, msg unsafe.Pointer, gate, ppid uintptr) (uintptr, syscall.Errno) {
	pid, errno := rawFork()
	if errno != 0 || pid != 0 {
		return pid, errno // the parent
	}
	// The child: a copy of the parent's address space, one thread.
	childSetup(ppid)
	rawCopy(unsafe.Add(shared, offChildSawBefore), private, msgLen)
	rawCopy(shared, msg, msgLen)
	rawCopy(private, msg, msgLen) // the first write copies the page (COW)
	rawWait(gate, unsafe.Add(shared, offGateByte))
	rawCopy(unsafe.Add(shared, offChildSawAfter), unsafe.Add(private, offParentAfter), msgLen)
	exitGroup(0)
	return 0, 0
}

// ForkCount forks a child that adds 1 to the 8-byte counter at the start of
// counter, iters times: with one locked read-modify-write each (atomic), or
// with a plain load, add and store, which loses updates when another process
// stores in between. The child first closes gateW, its copy of the write end
// of the start gate, then waits until gate reads end-of-file: the parent
// closes its own write end when every child is forked, so they all start at
// once. Each step of the loop passes through rawLockstep, between the load
// and the store: when the parent has armed it (counter -lockstep), every
// child has loaded before any stores. counter needs 256 bytes. It returns
// the child's pid; reap it with WaitChild.
func ForkCount(counter []byte, iters int, atomic bool, gate, gateW int) (int, error) {
	if len(counter) < 256 {
		return 0, errors.New("the counter page needs 256 bytes")
	}
	c := unsafe.Pointer(&counter[0])
	a := uintptr(0)
	if atomic {
		a = 1
	}
	ppid := uintptr(unix.Getpid())
	pid, err := withSignalsBlocked(func() (uintptr, syscall.Errno) {
		return forkCount(c, uintptr(iters), a, uintptr(gate), uintptr(gateW), ppid)
	})
	if err != nil {
		return 0, os.NewSyscallError("clone", err)
	}
	return pid, nil
}

// forkCount is ForkCount's fork and child; like forkTouch, the child part
// only loads, stores and makes raw system calls, and never returns.
//
//go:nosplit
//go:norace
//go:nocheckptr
func forkCount(counter unsafe.Pointer, iters, atomic, gate, gateW, ppid uintptr) (uintptr, syscall.Errno) {
	pid, errno := rawFork()
	if errno != 0 || pid != 0 {
		return pid, errno
	}
	childSetup(ppid)
	rawClose(gateW)
	rawWait(gate, unsafe.Add(counter, offCountGate))
	n := (*uint64)(counter)
	step := unsafe.Add(counter, offLockstep)
	for i := uintptr(0); i < iters; i++ {
		if atomic != 0 {
			rawLockstep(step, i)
			atomicAdd64(counter, 1) // load, add and store in one locked instruction
		} else {
			v := *n              // load
			rawLockstep(step, i) // armed: every child has loaded now
			*n = v + 1           // add, store: another child may have stored in between
		}
	}
	exitGroup(0)
	return 0, 0
}

// WaitChild waits for the child pid to end and returns its wait status
// (wait4). Until then the dead child is a zombie holding its pid.
// Errors: ECHILD (not our child, or already reaped).
func WaitChild(pid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ws, os.NewSyscallError("wait4", err)
		}
		return ws, nil
	}
}

// MemfdCreate creates an anonymous memory file of size bytes (memfd_create,
// Linux 3.17): memory like MAP_ANONYMOUS, but reached through a descriptor,
// and a descriptor can be inherited across exec and sent to another process.
// name only labels it in /proc/PID/fd and /proc/PID/maps ("/memfd:NAME
// (deleted)"): no directory holds it, and the label opens nothing. Its one
// path is /proc/PID/fd/N, which a process allowed to look into this one
// (same user, or root) may open, as the file's mode bits (0777) allow.
// MFD_CLOEXEC: an exec'd program gets it only when handed it on purpose.
// Errors: EMFILE (too many descriptors), EINVAL (name too long).
func MemfdCreate(name string, size int) (int, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("memfd_create", err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("ftruncate", err)
	}
	return fd, nil
}

// MapFd maps length bytes of the file behind fd MAP_SHARED, read-write.
// Errors: EACCES (fd not open read-write), ENODEV (fd cannot be mapped: a
// socket, a pipe), EBADF.
func MapFd(fd, length int) ([]byte, error) {
	p, err := unix.MmapPtr(fd, 0, nil, uintptr(length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	return unsafe.Slice((*byte)(p), length), nil
}

// StartWithFd starts this program again (os/exec: clone with
// CLONE_VM|CLONE_VFORK, then exec of /proc/self/exe) with f as descriptor 3
// of the new process (exec.Cmd.ExtraFiles) and env added to its
// environment. exec replaces the whole address space, so no mapping
// survives it; a descriptor does, and the new program maps it again. Only descriptor 3 is handed over: every other
// descriptor of this process is close-on-exec. The child is killed if this
// thread dies (Pdeathsig), so it never outlives a failed parent. Errors:
// those of clone and exec, as *os.PathError (EAGAIN, ENOMEM, EACCES).
func StartWithFd(f *os.File, env []string, stdout, stderr *os.File) (*exec.Cmd, error) {
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{os.Args[0]},
		Env:         append(os.Environ(), env...),
		Stdout:      stdout,
		Stderr:      stderr,
		ExtraFiles:  []*os.File{f},
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// Listen creates a UNIX stream socket bound to path, listening for one
// connection (socket, fchmod, bind, listen). bind creates path as a socket
// file with the mode of the socket less the umask, as open does: fchmod
// before bind sets that mode, and the umask is cleared around bind so the
// file gets exactly mode, from its first moment. Whoever may write the file
// may connect. The caller removes it when done.
// Errors: EADDRINUSE (path exists: remove it), EINVAL (path longer than
// 107 bytes), ENOENT (no such directory), EACCES.
func Listen(path string, mode uint32) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("fchmod", err)
	}
	old := unix.Umask(0)
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: path})
	unix.Umask(old)
	if err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// Accept waits for a connection on the listening socket lfd (poll, then
// accept4) and returns the connected socket. timeout < 0 waits for ever;
// 0 does not wait: no connection pending is EAGAIN; a timeout > 0 that
// passes is ETIMEDOUT (both reported as poll's).
func Accept(lfd int, timeout time.Duration) (int, error) {
	fds := []unix.PollFd{{Fd: int32(lfd), Events: unix.POLLIN}}
	deadline := time.Now().Add(timeout)
	for {
		ms := -1
		if timeout >= 0 {
			ms = int(max(time.Until(deadline).Milliseconds(), 0))
		}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, os.NewSyscallError("poll", err)
		}
		if n == 0 && timeout == 0 {
			return -1, os.NewSyscallError("poll", unix.EAGAIN)
		}
		if n == 0 {
			return -1, os.NewSyscallError("poll", unix.ETIMEDOUT)
		}
		fd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err != nil {
			return -1, os.NewSyscallError("accept4", err)
		}
		return fd, nil
	}
}

// Dial connects a UNIX stream socket to the socket file at path (socket,
// connect). Errors: ENOENT (no such file), ECONNREFUSED (nobody listens
// there, or the file is not a socket), EACCES (no write permission on the
// socket file, or no search permission on a directory on the way).
func Dial(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("connect", err)
	}
	return fd, nil
}

// SendFd sends the descriptor fd over the connected UNIX socket sock
// (sendmsg with an SCM_RIGHTS control message, course ep. 22). The kernel
// installs a new descriptor for the same open file in the receiver; one
// byte of ordinary data goes with it, because a stream socket carries control
// messages only along with data. Errors: EPIPE (the peer is gone).
func SendFd(sock, fd int) error {
	err := unix.Sendmsg(sock, []byte{'F'}, unix.UnixRights(fd), nil, unix.MSG_NOSIGNAL)
	if err != nil {
		return os.NewSyscallError("sendmsg", err)
	}
	return nil
}

// RecvFd receives one descriptor sent with SendFd (recvmsg, then the
// SCM_RIGHTS control message parsed). MSG_CMSG_CLOEXEC marks it
// close-on-exec at once. Errors: EAGAIN (a receive timeout passed, or the
// socket is non-blocking and nothing has come); a peer that closes without
// sending one, or sends no descriptor, is an error too.
func RecvFd(sock int) (int, error) {
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, flags, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("recvmsg", err)
	}
	if n == 0 {
		return -1, errors.New("the peer closed the connection without sending a descriptor")
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return -1, errors.New("data came without an SCM_RIGHTS control message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return -1, errors.New("the control message is not SCM_RIGHTS")
	}
	for _, extra := range fds[1:] {
		unix.Close(extra)
	}
	if flags&unix.MSG_CTRUNC != 0 {
		unix.Close(fds[0])
		return -1, errors.New("control message truncated (MSG_CTRUNC)")
	}
	return fds[0], nil
}
