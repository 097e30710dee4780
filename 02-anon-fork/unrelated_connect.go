//go:build linux && (amd64 || arm64)

// unrelated connect: connect to serve's socket, receive the memfd
// (SCM_RIGHTS), map it, read serve's message and write a reply. With
// -procfd it takes no descriptor from the socket: it reopens serve's memfd
// by a path, /proc/PID/fd/N. And the notes' way, for comparison: an
// anonymous mapping of its own.

package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func connect(path string, timeout time.Duration, procfd bool) error {
	conn, err := Dial(path)
	if err != nil {
		return cli.WithHints(cli.Sys("connect to "+cli.Quote(path), "connect", err), dialHints(path))
	}
	defer unix.Close(conn)
	if err := boundWait(conn, timeout); err != nil {
		return err
	}
	// Who is on the other side (SO_PEERCRED): not our parent.
	cred, err := unix.GetsockoptUcred(conn, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return cli.Sys("ask who listens on "+cli.Quote(path), "getsockopt SO_PEERCRED", err)
	}
	cli.Fact("connect: serve is my parent", cli.YesNo(int(cred.Pid) == os.Getppid()))

	// The memory: the descriptor serve sends, or serve's own reopened.
	var mfd int
	reply := msgConnect
	if procfd {
		mfd, err = reopen(conn, int(cred.Pid))
		reply = msgProcfd
	} else {
		mfd, err = receive(conn)
	}
	if err != nil {
		return err
	}
	defer unix.Close(mfd)
	m, err := mapReceived(mfd)
	if err != nil {
		return err
	}
	defer Unmap(m)
	// serve, or anyone holding the memfd, may shrink it: guarded access.
	msg, err := readString(m, 0, msgLen)
	if err != nil {
		return fmt.Errorf("unrelated connect: read serve's message: %w", err)
	}
	cli.Fact("connect reads through the memfd", msg)

	// What the notes suggest instead: map MAP_ANONYMOUS with fd -1 here too.
	anon, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map anonymous memory", "mmap", err)
	}
	defer Unmap(anon)
	cli.Fact("connect: own MAP_ANONYMOUS mapping holds serve's message", cli.YesNo(cstring(anon[:msgLen]) == msgServe))

	// The reply, through the memfd: serve reads it once we close.
	if err := writeString(m, offReply, reply); err != nil {
		return fmt.Errorf("unrelated connect: write the reply: %w", err)
	}
	cli.Fact("connect wrote", reply)
	return nil
}

// receive takes the descriptor serve sends (RecvFd) and shows what it is.
func receive(conn int) (int, error) {
	mfd, err := RecvFd(conn)
	if err != nil {
		return -1, cli.WithHints(cli.Sys("receive a descriptor", "recvmsg", err), map[unix.Errno]string{
			unix.EAGAIN: "serve sent nothing in time (-timeout)",
		})
	}
	link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", mfd))
	cli.Fact("connect received", link)
	// Close-on-exec from its first moment (MSG_CMSG_CLOEXEC).
	cli.Fact("connect: received descriptor close-on-exec", closeOnExec(mfd))
	return mfd, nil
}

// dialHints says what a failed connect means. connect says ECONNREFUSED
// for a plain file and for a socket file whose owner is gone; stat tells
// them apart for the reader.
func dialHints(path string) map[unix.Errno]string {
	refused := "nobody listens there (a stale socket file? remove it, then start `anonfork unrelated serve " + path + "`)"
	var st unix.Stat_t
	if unix.Stat(path, &st) == nil && st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		refused = "it is not a socket"
	}
	return map[unix.Errno]string{
		unix.ECONNREFUSED: refused,
		unix.ENOENT:       "no such socket file (start `anonfork unrelated serve " + path + "` first)",
		unix.EACCES:       "connecting takes write permission on the socket file (serve -mode 0666 opens it to all) and search permission on every directory above it",
	}
}

// boundWait bounds how long recvmsg waits for serve: SO_RCVTIMEO for a
// timeout > 0, a non-blocking socket for 0, nothing for a negative one.
func boundWait(conn int, timeout time.Duration) error {
	switch {
	case timeout > 0:
		tv := unix.NsecToTimeval(timeout.Nanoseconds())
		if tv.Sec == 0 && tv.Usec == 0 {
			tv.Usec = 1 // a zero SO_RCVTIMEO would mean no timeout at all
		}
		return cli.Sys("bound the wait for serve", "setsockopt", unix.SetsockoptTimeval(conn, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv))
	case timeout == 0:
		return cli.Sys("make the socket non-blocking", "fcntl", unix.SetNonblock(conn, true))
	}
	return nil
}

// mapReceived maps the memory behind a descriptor another process sent or
// holds. What it is and its size come from that process: check both, and
// map no more than a page.
func mapReceived(mfd int) ([]byte, error) {
	var st unix.Stat_t
	if err := unix.Fstat(mfd, &st); err != nil {
		return nil, cli.Sys("inspect the received descriptor", "fstat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("unrelated connect: the received descriptor is not a regular file (file type %#o): no memory to map", st.Mode&unix.S_IFMT)
	}
	if st.Size < offReply+msgLen {
		return nil, fmt.Errorf("unrelated connect: the received memory has %d bytes, fewer than the %d it must hold", st.Size, offReply+msgLen)
	}
	m, err := MapFd(mfd, int(min(st.Size, int64(unix.Getpagesize()))))
	if err != nil {
		return nil, cli.Sys("map the received descriptor", "mmap", err)
	}
	return m, nil
}
