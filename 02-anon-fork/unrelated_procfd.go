//go:build linux && (amd64 || arm64)

// unrelated connect -procfd: a memfd has no name in any filesystem, but
// /proc/PID/fd/N is a path to it. A process allowed to look into serve's
// /proc/PID/fd (serve's own user, or root: ptrace read access) opens it
// there, as a new open file checked against the memfd's mode bits, and
// maps the same memory without any descriptor sent.

package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// maxFds bounds how many of serve's descriptors are looked at.
const maxFds = 4096

// reopen waits for serve's message on conn and takes its byte with no room
// for control data: the kernel drops the descriptor that came with it
// (MSG_CTRUNC). Then it opens serve's memfd through /proc/PID/fd/N.
func reopen(conn, pid int) (int, error) {
	var b [1]byte
	n, _, flags, _, err := unix.Recvmsg(conn, b[:], nil, 0)
	if err != nil {
		return -1, cli.WithHints(cli.Sys("wait for serve's message", "recvmsg", err), map[unix.Errno]string{
			unix.EAGAIN: "serve sent nothing in time (-timeout)",
		})
	}
	if n == 0 {
		return -1, fmt.Errorf("unrelated connect: serve closed the connection without a message")
	}
	cli.Fact("connect: serve's descriptor dropped unread (MSG_CTRUNC)", cli.YesNo(flags&unix.MSG_CTRUNC != 0))
	return openServeMemfd(pid)
}

// openServeMemfd finds serve's memfd among its descriptors
// (/proc/PID/fd/N whose link reads /memfd:shmlab-unrelated (deleted)) and
// opens it read-write.
func openServeMemfd(pid int) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	d, err := os.Open(dir)
	if err != nil {
		return -1, cli.WithHints(cli.Sys("look into serve's descriptors, "+dir, "open", err), map[unix.Errno]string{
			unix.EACCES: "only serve's user, or root, may look into its /proc/PID/fd (ptrace read access)",
		})
	}
	names, err := d.Readdirnames(maxFds)
	d.Close()
	if err != nil && err != io.EOF {
		return -1, cli.Sys("list "+dir, "getdents64", err)
	}
	want := "/memfd:" + memfdUnrelated + " (deleted)"
	for _, n := range names {
		path := dir + "/" + n
		if link, err := os.Readlink(path); err != nil || link != want {
			continue
		}
		cli.Fact("connect: serve's memfd in /proc/PID/fd", want)
		fd, err := openRegular(path)
		if err != nil {
			return -1, err
		}
		link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		cli.Fact("connect opened", link)
		cli.Fact("connect: opened descriptor close-on-exec", closeOnExec(fd))
		return fd, nil
	}
	return -1, fmt.Errorf("unrelated connect: no %s among serve's descriptors in %s (looked at %d, at most %d)", want, dir, len(names), maxFds)
}

// openRegular opens path read-write, close-on-exec, and refuses anything
// but a regular file: O_NONBLOCK so that a FIFO cannot block the open, then
// cleared.
func openRegular(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, cli.WithHints(cli.Sys("open "+cli.Quote(path), "open", err), map[unix.Errno]string{
			unix.EACCES: "the memfd's mode bits (serve -memfd-mode) do not let this user open it read-write",
		})
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, cli.Sys("inspect "+cli.Quote(path), "fstat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, fmt.Errorf("unrelated connect: %s is not a regular file (file type %#o)", cli.Quote(path), st.Mode&unix.S_IFMT)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return -1, cli.Sys("clear O_NONBLOCK on "+cli.Quote(path), "fcntl", err)
	}
	return fd, nil
}
