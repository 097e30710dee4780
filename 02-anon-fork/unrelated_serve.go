//go:build linux && (amd64 || arm64)

// unrelated serve: make anonymous memory behind a descriptor (a memfd),
// listen on a UNIX socket file, send the descriptor to the first process
// that connects (SCM_RIGHTS), and read its reply from the memory.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func serve(path string, mode, memfdMode uint32, ready string, timeout time.Duration) error {
	// Anonymous memory behind a descriptor, with serve's message in it.
	ps := unix.Getpagesize()
	fd, err := MemfdCreate(memfdUnrelated, ps)
	if err != nil {
		return cli.Sys("create memfd "+memfdUnrelated, "memfd_create", err)
	}
	defer unix.Close(fd)
	if err := sizeAtLeast(fd, ps); err != nil {
		return err
	}
	// Its permission bits (memfd_create makes it 0777): they bind whoever
	// opens it again through /proc/PID/fd/N, not who receives the
	// descriptor.
	if err := memfdChmod(fd, memfdMode); err != nil {
		return err
	}
	m, err := MapFd(fd, ps)
	if err != nil {
		return cli.Sys("map memfd "+memfdUnrelated, "mmap", err)
	}
	defer Unmap(m)
	// Whoever holds the memfd may shrink it: every access is guarded.
	if err := writeString(m, 0, msgServe); err != nil {
		return fmt.Errorf("unrelated serve: write into the memfd: %w", err)
	}

	// The same message in an anonymous mapping: connect will look for it.
	anon, err := MapAnon(ps, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map anonymous memory", "mmap", err)
	}
	defer Unmap(anon)
	copy(anon, msgServe)

	// The socket file, removed when serve ends, however it ends.
	lfd, remove, err := listen(path, mode)
	if err != nil {
		return err
	}
	defer remove()
	defer unix.Close(lfd)
	if err := cli.Ready(ready); err != nil {
		return err
	}
	return serveOne(lfd, fd, m, timeout)
}

// memfdChmod sets the memfd's mode (fchmod) and shows it, read back.
func memfdChmod(fd int, mode uint32) error {
	if err := unix.Fchmod(fd, mode); err != nil {
		return cli.Sys("set the mode of memfd "+memfdUnrelated, "fchmod", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return cli.Sys("inspect memfd "+memfdUnrelated, "fstat", err)
	}
	cli.Fact("serve: memfd mode", fmt.Sprintf("%04o", st.Mode&0o777))
	return nil
}

// listen makes the socket file (Listen), registers its removal (also on
// SIGINT, SIGTERM or SIGHUP), and shows its mode. The removal unlinks the
// path only while it is still this socket: a file someone put there since
// is not serve's to remove.
func listen(path string, mode uint32) (int, func(), error) {
	lfd, err := Listen(path, mode)
	if err != nil {
		hints := map[unix.Errno]string{unix.EADDRINUSE: "the path exists; remove it, or choose another"}
		if len(path) > 107 {
			hints[unix.EINVAL] = "a UNIX socket path holds at most 107 bytes"
		}
		return -1, nil, cli.WithHints(cli.Sys("listen on "+cli.Quote(path), "bind", err), hints)
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		unix.Close(lfd)
		return -1, nil, cli.Sys("inspect "+cli.Quote(path), "lstat", err)
	}
	remove := cli.Made(func() { unlinkIfSame(path, st) })
	if abs, err := filepath.Abs(path); err == nil {
		track.File(abs) // removed by a scenario's cleanup even if serve is killed
	}
	cli.Fact("serve: socket file mode", fmt.Sprintf("%04o", st.Mode&0o777))
	cli.Fact("serve listening", "yes")
	return lfd, remove, nil
}

// unlinkIfSame removes path if it is still the socket file st describes.
func unlinkIfSame(path string, st unix.Stat_t) {
	var now unix.Stat_t
	if unix.Lstat(path, &now) == nil && now.Dev == st.Dev && now.Ino == st.Ino && now.Mode&unix.S_IFMT == unix.S_IFSOCK {
		unix.Unlink(path)
	}
}

// serveOne waits for connect, sends it the memfd, and reads its reply once
// it has closed the connection.
func serveOne(lfd, memfd int, m []byte, timeout time.Duration) error {
	conn, err := Accept(lfd, timeout)
	if err != nil {
		return cli.WithHints(cli.Sys("wait for a connection", "poll", err), map[unix.Errno]string{
			unix.ETIMEDOUT: fmt.Sprintf("nobody connected within %v (run `anonfork unrelated connect SOCKET`)", timeout),
			unix.EAGAIN:    "nobody has connected yet, and -timeout 0 does not wait",
		})
	}
	defer unix.Close(conn)
	// Who connected: the kernel knows the peer's pid (SO_PEERCRED).
	if cred, err := unix.GetsockoptUcred(conn, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
		cli.Fact("serve: connect is my child", cli.YesNo(parentOf(int(cred.Pid)) == os.Getpid()))
	}
	// The descriptor goes in an SCM_RIGHTS control message.
	if err := SendFd(conn, memfd); err != nil {
		return cli.Sys("send the memfd", "sendmsg", err)
	}
	cli.Fact("serve: sent the memfd", "yes")
	// connect closes the connection when it has written its reply.
	if err := waitEOF(conn, timeout); err != nil {
		return err
	}
	reply, err := readString(m, offReply, msgLen)
	if err != nil {
		return fmt.Errorf("unrelated serve: read connect's reply: %w", err)
	}
	if reply == "" { // connect hung up without writing: it failed, and said why
		return errors.New("unrelated serve: connect closed the connection and left no reply in the memfd (see its error)")
	}
	cli.Fact("serve reads connect's reply", reply)
	return nil
}

// waitEOF reads conn until the peer closes it, at most timeout (negative:
// for ever). A peer that closes without reading what serve sent resets the
// connection: that is an end too.
func waitEOF(conn int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 16)
	for {
		ms := -1
		if timeout >= 0 {
			ms = int(max(time.Until(deadline).Milliseconds(), 0))
		}
		fds := []unix.PollFd{{Fd: int32(conn), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return cli.Sys("wait for connect to finish", "poll", err)
		}
		if n == 0 {
			return cli.SysHint("wait for connect to finish", "poll", unix.ETIMEDOUT, "connect did not close the connection in time")
		}
		k, err := unix.Read(conn, buf)
		if (k == 0 && err == nil) || err == unix.ECONNRESET {
			return nil // closed; reset if it left serve's message unread
		}
		if err != nil && err != unix.EINTR {
			return cli.Sys("wait for connect to finish", "read", err)
		}
	}
}

// parentOf reads the parent pid of pid from /proc/PID/stat (0 if unknown).
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: skip past it.
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+1:]
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}
