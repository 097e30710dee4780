//go:build linux && (amd64 || arm64)

// unrelated tcp: the notes say processes share memory this way only on the
// same machine. A descriptor names an object of one kernel, so only a UNIX
// socket carries it: over TCP, even to 127.0.0.1, sendmsg accepts the
// SCM_RIGHTS control message and the kernel drops it; the data byte
// arrives alone.

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/exercise"
)

func tcpDemo() error {
	// A memfd to send.
	fd, err := MemfdCreate(memfdUnrelated, unix.Getpagesize())
	if err != nil {
		return cli.Sys("create memfd "+memfdUnrelated, "memfd_create", err)
	}
	defer unix.Close(fd)

	// A TCP connection to ourselves on the loopback address.
	a, b, err := loopbackPair()
	if err != nil {
		return err
	}
	defer unix.Close(a)
	defer unix.Close(b)
	if err := sendAndReceive("over TCP on 127.0.0.1", a, b, fd); err != nil {
		return err
	}

	// The same over a pair of connected UNIX sockets.
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return cli.Sys("make a UNIX socket pair", "socketpair", err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	return sendAndReceive("over a UNIX socket", pair[0], pair[1], fd)
}

// sendAndReceive sends fd on one socket (SendFd) and receives on the other
// (RecvFd), which waits at most 5s, and says what arrived.
func sendAndReceive(over string, send, recv, fd int) error {
	tv := unix.Timeval{Sec: 5}
	if err := unix.SetsockoptTimeval(recv, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return cli.Sys("bound the wait "+over, "setsockopt", err)
	}
	err := SendFd(send, fd)
	var errno syscall.Errno
	if err != nil && !errors.As(err, &errno) {
		return cli.Sys("send the memfd "+over, "sendmsg", err)
	}
	cli.Fact(over+": sendmsg with SCM_RIGHTS", cli.Outcome(err))
	if err != nil {
		return nil // refused: nothing to receive
	}
	got, err := RecvFd(recv)
	if errors.As(err, &errno) {
		return cli.Sys("receive "+over, "recvmsg", err) // a timeout: nothing came at all
	}
	if errors.Is(err, exercise.ErrExercise) {
		return err
	}
	if err != nil {
		// The data byte came without a control message (RecvFd's error
		// says so): the descriptor was dropped.
		cli.Fact(over+": descriptor received", "no")
		return nil
	}
	defer unix.Close(got)
	link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", got))
	cli.Fact(over+": descriptor received", link)
	return nil
}

// loopbackPair connects two TCP sockets over 127.0.0.1 (a listener on a
// port the kernel picks, connect, accept4) and returns both ends.
func loopbackPair() (int, int, error) {
	lo := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	l, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, cli.Sys("make a TCP socket", "socket", err)
	}
	defer unix.Close(l)
	if err := unix.Bind(l, lo); err != nil {
		return -1, -1, cli.Sys("bind to 127.0.0.1", "bind", err)
	}
	if err := unix.Listen(l, 1); err != nil {
		return -1, -1, cli.Sys("listen on 127.0.0.1", "listen", err)
	}
	addr, err := unix.Getsockname(l)
	if err != nil {
		return -1, -1, cli.Sys("ask the port", "getsockname", err)
	}
	a, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, cli.Sys("make a TCP socket", "socket", err)
	}
	if err := unix.Connect(a, addr); err != nil {
		unix.Close(a)
		return -1, -1, cli.Sys(fmt.Sprintf("connect to 127.0.0.1:%d", addr.(*unix.SockaddrInet4).Port), "connect", err)
	}
	b, _, err := unix.Accept4(l, unix.SOCK_CLOEXEC)
	if err != nil {
		unix.Close(a)
		return -1, -1, cli.Sys("accept on 127.0.0.1", "accept4", err)
	}
	return a, b, nil
}
