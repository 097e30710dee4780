//go:build linux && (amd64 || arm64) && exercise

// Chapter 02 as an exercise: the functions of lab.go with their bodies
// replaced by TODOs. Implement them until `go test -tags exercise
// ./02-anon-fork` grades every scenario as passing. Read notes 000 part 4 and
// 001 §1.1.1.1 (MAP_ANONYMOUS) first, and forksafe.go before ForkTouch.
// Every function returns the bare error of the call that failed,
// os.NewSyscallError(call, err): the experiments say what was tried.

package main

import (
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// MapAnon maps length bytes of anonymous memory, MAP_SHARED or MAP_PRIVATE.
func MapAnon(length, flags int) ([]byte, error) {
	// TODO: unix.MmapPtr(-1, 0, nil, length, PROT_READ|PROT_WRITE,
	// flags|unix.MAP_ANONYMOUS), then unsafe.Slice over the address.
	// Return os.NewSyscallError("mmap", err) if it fails.
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "unix.MmapPtr(-1, 0, nil, ..., flags|MAP_ANONYMOUS)")
}

// MapWith is mmap with fd, offset, length and flags from the caller.
func MapWith(fd int, offset int64, length, flags int) ([]byte, error) {
	// TODO: unix.MmapPtr(fd, offset, nil, length, PROT_READ|PROT_WRITE,
	// flags): pass them all as given, even fd -1 without MAP_ANONYMOUS; the
	// point is to see what the kernel answers. Return
	// os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("MapWith", "001 §1.1.1.1", "unix.MmapPtr with the arguments as given")
}

// MapDevZero maps length bytes of /dev/zero MAP_SHARED.
func MapDevZero(length int) ([]byte, error) {
	// TODO: unix.Open("/dev/zero", O_RDWR|O_CLOEXEC), unix.MmapPtr(fd, 0,
	// nil, length, PROT_READ|PROT_WRITE, MAP_SHARED), close the descriptor.
	// Errors: os.NewSyscallError("open", err) or ("mmap", err).
	return nil, exercise.Todo("MapDevZero", "000 part 4", "open /dev/zero O_RDWR + mmap MAP_SHARED")
}

// Unmap removes a mapping made by one of the functions above.
func Unmap(b []byte) error {
	// TODO: unix.MunmapPtr(unsafe.Pointer(&b[0]), len(b)); on failure
	// os.NewSyscallError("munmap", err).
	return exercise.Todo("Unmap", "001 §1.1.1.2", "unix.MunmapPtr")
}

// ForkTouch forks a child that writes into both pages and reports, through
// the shared page, what it saw in the private one, and returns its pid.
// shared needs 512 bytes, private 128.
func ForkTouch(shared, private []byte, gate int) (int, error) {
	// TODO: take unsafe.Pointer(&shared[0]) and &private[0] and the pid of
	// this process here, in ordinary Go. Then call withSignalsBlocked with a
	// closure that calls your own //go:nosplit //go:norace //go:nocheckptr
	// function. That function calls rawFork; in the parent (pid != 0) it
	// returns the pid. In the child it calls childSetup(ppid), then only
	// rawCopy, rawWait and exitGroup(0): copy the private page's first msgLen
	// bytes to shared+offChildSawBefore, write msgChild at the start of both
	// pages, rawWait(gate, shared+offGateByte), copy private+offParentAfter
	// to shared+offChildSawAfter, exitGroup(0). Nothing else: no Go call that
	// may allocate, lock or grow the stack (forksafe.go says why). A failed
	// fork: os.NewSyscallError("clone", errno).
	return 0, exercise.Todo("ForkTouch", "000 part 4", "rawFork in a //go:nosplit function; the child only copies bytes and exits")
}

// ForkCount forks a child that adds 1 to the counter iters times.
func ForkCount(counter []byte, iters int, atomic bool, gate, gateW int) (int, error) {
	// TODO: as ForkTouch. The child: childSetup(ppid), rawClose(gateW),
	// rawWait(gate, counter+64), then iters times either atomicAdd64(counter, 1)
	// or *(*uint64)(counter) = *(*uint64)(counter) + 1; exitGroup(0).
	return 0, exercise.Todo("ForkCount", "000 part 4, 001 §1.1", "rawFork; the child increments with atomicAdd64 or a plain load/add/store")
}

// WaitChild waits for the child pid to end and returns its wait status.
func WaitChild(pid int) (unix.WaitStatus, error) {
	// TODO: unix.Wait4(pid, &ws, 0, nil), again on EINTR; other errors:
	// os.NewSyscallError("wait4", err).
	return 0, exercise.Todo("WaitChild", "000 part 4", "unix.Wait4")
}

// MemfdCreate creates an anonymous memory file of size bytes.
func MemfdCreate(name string, size int) (int, error) {
	// TODO: unix.MemfdCreate(name, unix.MFD_CLOEXEC), then unix.Ftruncate
	// to size (close the descriptor if that fails). Errors:
	// os.NewSyscallError("memfd_create", err) or ("ftruncate", err).
	return -1, exercise.Todo("MemfdCreate", "000 part 4", "unix.MemfdCreate + unix.Ftruncate")
}

// MapFd maps length bytes of the file behind fd MAP_SHARED, read-write.
func MapFd(fd, length int) ([]byte, error) {
	// TODO: unix.MmapPtr(fd, 0, nil, length, PROT_READ|PROT_WRITE,
	// MAP_SHARED); on failure os.NewSyscallError("mmap", err).
	return nil, exercise.Todo("MapFd", "001 §1.1.1.1", "unix.MmapPtr(fd, 0, nil, ..., MAP_SHARED)")
}

// StartWithFd starts this program again with fd as its descriptor 3.
func StartWithFd(fd int, env []string, stdout, stderr *os.File) (*exec.Cmd, error) {
	// TODO: an exec.Cmd with Path "/proc/self/exe", Args {os.Args[0]}, Env
	// os.Environ() plus env, ExtraFiles {os.NewFile(uintptr(fd), "memfd")},
	// SysProcAttr Pdeathsig SIGKILL; Start it and return Start's error as
	// it is.
	return nil, exercise.Todo("StartWithFd", "000 part 4", "os/exec with ExtraFiles (the child's descriptor 3) and Pdeathsig")
}

// Listen creates a UNIX stream socket bound to path with mode, listening.
func Listen(path string, mode uint32) (int, error) {
	// TODO: unix.Socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0), unix.Fchmod(fd,
	// mode) (before bind: bind creates the file with the socket's mode),
	// unix.Bind with &unix.SockaddrUnix{Name: path}, unix.Listen(fd, 1).
	// Clear the umask around bind (unix.Umask(0), then restore it). Return
	// os.NewSyscallError naming the call that failed ("bind": EADDRINUSE
	// when the path exists), and close the socket.
	return -1, exercise.Todo("Listen", "course ep. 22", "socket + bind + listen")
}

// Accept waits at most timeout for a connection on lfd.
func Accept(lfd int, timeout time.Duration) (int, error) {
	// TODO: unix.Poll on lfd for POLLIN with the timeout in milliseconds
	// (-1 for a negative timeout: wait for ever), again on EINTR. Nothing
	// ready: os.NewSyscallError("poll", unix.EAGAIN) for a timeout of 0,
	// ("poll", unix.ETIMEDOUT) otherwise. Then unix.Accept4(lfd,
	// SOCK_CLOEXEC); on failure os.NewSyscallError("accept4", err).
	return -1, exercise.Todo("Accept", "course ep. 22", "poll + accept4")
}

// Dial connects a UNIX stream socket to path.
func Dial(path string) (int, error) {
	// TODO: unix.Socket, unix.Connect with &unix.SockaddrUnix{Name: path};
	// return os.NewSyscallError("connect", err) (ENOENT, ECONNREFUSED,
	// EACCES) and close the socket.
	return -1, exercise.Todo("Dial", "course ep. 22", "socket + connect")
}

// SendFd sends the descriptor fd over the connected UNIX socket sock.
func SendFd(sock, fd int) error {
	// TODO: unix.Sendmsg(sock, one byte of data, unix.UnixRights(fd), nil,
	// MSG_NOSIGNAL); on failure os.NewSyscallError("sendmsg", err).
	return exercise.Todo("SendFd", "course ep. 22", "sendmsg with unix.UnixRights")
}

// RecvFd receives one descriptor sent with SendFd.
func RecvFd(sock int) (int, error) {
	// TODO: unix.Recvmsg(sock, 1-byte buf, oob of unix.CmsgSpace(4),
	// MSG_CMSG_CLOEXEC) (on failure os.NewSyscallError("recvmsg", err)); 0
	// bytes means the peer closed: return a plain error. Then
	// unix.ParseSocketControlMessage and unix.ParseUnixRights.
	return -1, exercise.Todo("RecvFd", "course ep. 22", "recvmsg + ParseSocketControlMessage + ParseUnixRights")
}
