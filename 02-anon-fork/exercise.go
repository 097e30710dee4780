//go:build linux && (amd64 || arm64) && exercise

// Chapter 02 as an exercise: the functions of lab.go with their bodies
// replaced by stubs. Implement them, in the order of the README, until
// `go test -tags exercise -v -run TestScripts ./02-anon-fork` grades every
// scenario as passing. Each stub says its goal and where to read; for more,
// ask for a hint, in levels that give more and more away:
//
//	go run -tags exercise ./02-anon-fork hint FUNC -level 1|2|3 [-lang zh]
//
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

// The stubs below use package exercise; this line keeps its import legal
// once every stub is done.
var _ = exercise.ErrExercise

// MapAnon maps length bytes of anonymous memory, MAP_SHARED or MAP_PRIVATE
// as flags says. Notes 001 §1.1.1.1 (MAP_ANONYMOUS); man mmap(2).
func MapAnon(length, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapAnon", "001 §1.1.1.1", "go run -tags exercise ./02-anon-fork hint MapAnon")
}

// MapWith is mmap with fd, offset, length and flags exactly as the caller
// gives them (read-write): the flags experiment asks the kernel what it
// makes of them. Notes 001 §1.1.1.1; man mmap(2).
func MapWith(fd int, offset int64, length, flags int) ([]byte, error) {
	return nil, exercise.Todo("MapWith", "001 §1.1.1.1", "go run -tags exercise ./02-anon-fork hint MapWith")
}

// MapDevZero maps length bytes of /dev/zero MAP_SHARED, leaving no
// descriptor behind. Notes 000 part 4; UNP2 §12.5; man zero(4),
// mmap(2).
func MapDevZero(length int) ([]byte, error) {
	return nil, exercise.Todo("MapDevZero", "000 part 4", "go run -tags exercise ./02-anon-fork hint MapDevZero")
}

// Unmap removes a mapping made by one of the functions above. Notes 001
// §1.1.1.2; man munmap(2).
func Unmap(b []byte) error {
	return exercise.Todo("Unmap", "001 §1.1.1.2", "go run -tags exercise ./02-anon-fork hint Unmap")
}

// ForkTouch forks a child and returns its pid. The child, in this order:
// copies the private page's first msgLen bytes, as it found them, to
// shared[offChildSawBefore:]; writes msgChild at the start of both pages;
// waits for the parent's byte on the gate pipe; copies
// private[offParentAfter:] (msgLen bytes) to shared[offChildSawAfter:];
// exits with status 0. shared needs 512 bytes, private 128. Read
// forksafe.go first. Notes 000 part 4; man clone(2), fork(2).
func ForkTouch(shared, private []byte, gate int) (int, error) {
	return 0, exercise.Todo("ForkTouch", "000 part 4", "go run -tags exercise ./02-anon-fork hint ForkTouch")
}

// ForkCount forks a child that adds 1 to the counter at the start of
// counter iters times, atomically or with a plain load and store, in step
// with the other children when the parent asks (rawLockstep). counter needs
// 256 bytes. Notes 000 part 4, 001 §1.1; man clone(2), futex(2).
func ForkCount(counter []byte, iters int, atomic bool, gate, gateW int) (int, error) {
	return 0, exercise.Todo("ForkCount", "000 part 4, 001 §1.1", "go run -tags exercise ./02-anon-fork hint ForkCount")
}

// WaitChild waits for the child pid to end and returns its wait status,
// even when a signal interrupts the wait. Notes 000 part 4; man wait4(2),
// signal(7).
func WaitChild(pid int) (unix.WaitStatus, error) {
	return 0, exercise.Todo("WaitChild", "000 part 4", "go run -tags exercise ./02-anon-fork hint WaitChild")
}

// MemfdCreate creates an anonymous memory file of size bytes, labelled
// name, that no exec'd program inherits unasked. Notes 000 part 4; man
// memfd_create(2).
func MemfdCreate(name string, size int) (int, error) {
	return -1, exercise.Todo("MemfdCreate", "000 part 4", "go run -tags exercise ./02-anon-fork hint MemfdCreate")
}

// MapFd maps length bytes of the file behind fd MAP_SHARED, read-write.
// Notes 001 §1.1.1.1; man mmap(2).
func MapFd(fd, length int) ([]byte, error) {
	return nil, exercise.Todo("MapFd", "001 §1.1.1.1", "go run -tags exercise ./02-anon-fork hint MapFd")
}

// StartWithFd starts this program again with f as its descriptor 3 and env
// added to its environment, and returns the started command. Notes 000
// part 4; go doc os/exec.Cmd.
func StartWithFd(f *os.File, env []string, stdout, stderr *os.File) (*exec.Cmd, error) {
	return nil, exercise.Todo("StartWithFd", "000 part 4", "go run -tags exercise ./02-anon-fork hint StartWithFd")
}

// Listen creates a UNIX stream socket bound to path, its file exactly mode,
// listening. Course ep. 22; man unix(7), bind(2), listen(2).
func Listen(path string, mode uint32) (int, error) {
	return -1, exercise.Todo("Listen", "course ep. 22", "go run -tags exercise ./02-anon-fork hint Listen")
}

// Accept waits at most timeout for a connection on lfd (negative: for
// ever; 0: not at all) and returns the connected socket. Course ep. 22; man
// poll(2), accept4(2).
func Accept(lfd int, timeout time.Duration) (int, error) {
	return -1, exercise.Todo("Accept", "course ep. 22", "go run -tags exercise ./02-anon-fork hint Accept")
}

// Dial connects a UNIX stream socket to the socket file at path. Course
// ep. 22; man unix(7), connect(2).
func Dial(path string) (int, error) {
	return -1, exercise.Todo("Dial", "course ep. 22", "go run -tags exercise ./02-anon-fork hint Dial")
}

// SendFd sends the descriptor fd over the connected UNIX socket sock.
// Course ep. 22; man unix(7) (SCM_RIGHTS), sendmsg(2), cmsg(3).
func SendFd(sock, fd int) error {
	return exercise.Todo("SendFd", "course ep. 22", "go run -tags exercise ./02-anon-fork hint SendFd")
}

// RecvFd receives one descriptor sent with SendFd, close-on-exec. Course
// ep. 22; man unix(7), recvmsg(2), cmsg(3).
func RecvFd(sock int) (int, error) {
	return -1, exercise.Todo("RecvFd", "course ep. 22", "go run -tags exercise ./02-anon-fork hint RecvFd")
}
