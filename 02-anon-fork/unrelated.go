//go:build linux && (amd64 || arm64)

// The unrelated experiment: two processes neither of which forked the other
// share memory. An anonymous mapping has no name they could both use, so one
// sends the other a descriptor of anonymous memory (a memfd) over a UNIX
// socket (SCM_RIGHTS, course ep. 22).

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

const (
	msgServe       = "hello from serve"
	msgConnect     = "hello from connect"
	offReply       = 64
	memfdUnrelated = "shmlab-unrelated"
	maxTimeout     = 10 * time.Minute
)

func runUnrelated(args []string) error {
	if len(args) == 0 {
		return cli.Usagef("unrelated: say serve or connect")
	}
	switch args[0] {
	case "serve":
		fs := cli.NewFlags("unrelated serve")
		ready := fs.String("ready", "", "write this file when listening")
		timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for connect")
		modeStr := fs.String("mode", "0600", "permission bits of the socket file")
		pos, err := cli.Parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := cli.Want("unrelated serve", pos, 1, 1); err != nil {
			return err
		}
		if *timeout <= 0 || *timeout > maxTimeout {
			return cli.Usagef("unrelated serve: -timeout %v: must be more than 0 and at most %v", *timeout, maxTimeout)
		}
		mode, err := cli.ParseMode(*modeStr)
		if err != nil {
			return err
		}
		return serve(pos[0], mode, *ready, *timeout)
	case "connect":
		pos, err := cli.Parse(cli.NewFlags("unrelated connect"), args[1:])
		if err != nil {
			return err
		}
		if err := cli.Want("unrelated connect", pos, 1, 1); err != nil {
			return err
		}
		return connect(pos[0], 30*time.Second)
	}
	return cli.Usagef("unrelated: %q: say serve or connect", args[0])
}

// serve makes a memfd, writes into it, listens on path, sends the memfd to
// the first process that connects, and reads its reply from the memory.
func serve(path string, mode uint32, ready string, timeout time.Duration) error {
	if path == "" {
		return cli.Usagef("unrelated serve: empty socket path")
	}
	ps := unix.Getpagesize()
	fd, err := MemfdCreate(memfdUnrelated, ps)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	m, err := MapFd(fd, ps)
	if err != nil {
		return err
	}
	defer Unmap(m)
	copy(m, msgServe)
	// The same message in an anonymous mapping: connect will look for it.
	anon, err := MapAnon(ps, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(anon)
	copy(anon, msgServe)

	lfd, err := Listen(path, mode)
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(path); err == nil {
		track.File(abs) // removed by a scenario's cleanup even if serve is killed
	}
	defer unix.Unlink(path)
	defer unix.Close(lfd)
	// Interrupted (Ctrl-C, kill): remove the socket file all the same.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		s := <-sig
		unix.Unlink(path)
		fmt.Fprintf(os.Stderr, "anonfork: unrelated serve: %v: removed %s\n", s, path)
		os.Exit(1)
	}()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return cli.Sys("inspect "+path, "lstat", err)
	}
	cli.Fact("serve: socket file mode", fmt.Sprintf("%04o", st.Mode&0o777))
	cli.Fact("serve listening", "yes")
	if err := cli.Ready(ready); err != nil {
		return err
	}
	conn, err := Accept(lfd, timeout)
	if err != nil {
		return err
	}
	defer unix.Close(conn)
	if cred, err := unix.GetsockoptUcred(conn, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
		cli.Fact("serve: connect is my child", cli.YesNo(parentOf(int(cred.Pid)) == os.Getpid()))
	}
	if err := SendFd(conn, fd); err != nil {
		return err
	}
	cli.Fact("serve: sent the memfd", "yes")
	// connect closes the connection when it has written its reply.
	if err := waitEOF(conn, timeout); err != nil {
		return err
	}
	cli.Fact("serve reads connect's reply", cstring(m[offReply:offReply+msgLen]))
	return nil
}

// waitEOF reads conn until the peer closes it, at most timeout.
func waitEOF(conn int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 16)
	for {
		fds := []unix.PollFd{{Fd: int32(conn), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(max(time.Until(deadline).Milliseconds(), 0)))
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
		if err != nil && err != unix.EINTR {
			return cli.Sys("wait for connect to finish", "read", err)
		}
		if k == 0 && err == nil {
			return nil
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

// connect receives the memfd from serve, reads it, and writes a reply.
func connect(path string, timeout time.Duration) error {
	if path == "" {
		return cli.Usagef("unrelated connect: empty socket path")
	}
	conn, err := Dial(path)
	if err != nil {
		return err
	}
	defer unix.Close(conn)
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(conn, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return cli.Sys("bound the wait for serve", "setsockopt", err)
	}
	if cred, err := unix.GetsockoptUcred(conn, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
		cli.Fact("connect: serve is my parent", cli.YesNo(int(cred.Pid) == os.Getppid()))
	}
	mfd, err := RecvFd(conn)
	if err != nil {
		return err
	}
	defer unix.Close(mfd)
	link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", mfd))
	cli.Fact("connect received", link)
	var st unix.Stat_t
	if err := unix.Fstat(mfd, &st); err != nil {
		return cli.Sys("inspect the received descriptor", "fstat", err)
	}
	if st.Size < offReply+msgLen {
		return fmt.Errorf("unrelated connect: the received memory has %d bytes, too few", st.Size)
	}
	// The size comes from the other process: map no more than one page.
	m, err := MapFd(mfd, int(min(st.Size, int64(unix.Getpagesize()))))
	if err != nil {
		return err
	}
	defer Unmap(m)
	cli.Fact("connect reads through the memfd", cstring(m[:msgLen]))
	// What the notes suggest instead: map MAP_ANONYMOUS with fd -1 here too.
	anon, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(anon)
	cli.Fact("connect: own MAP_ANONYMOUS mapping holds serve's message", cli.YesNo(cstring(anon[:msgLen]) == msgServe))
	copy(m[offReply:], msgConnect)
	cli.Fact("connect wrote", msgConnect)
	return nil
}

func tourUnrelated() error {
	cli.Say("The notes say MAP_ANON, or fd -1, lets unrelated processes (非血缘关系的进程)")
	cli.Say("communicate. It cannot: an anonymous mapping has no name, so a process that")
	cli.Say("did not inherit it by fork cannot reach it; its own MAP_ANONYMOUS mapping is")
	cli.Say("new memory. What works: serve puts anonymous memory behind a descriptor")
	cli.Say("(memfd_create), and sends the descriptor over a UNIX socket (SCM_RIGHTS);")
	cli.Say("connect, which serve did not start, maps it and both use the same pages.")
	cli.Say("Here the tour starts both, as two separate programs.")
	dir, err := os.MkdirTemp("", "anonfork-tour-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "sock")
	ready := filepath.Join(dir, "ready")
	var sout, cout bytes.Buffer
	srv := self(&sout, "unrelated", "serve", "-ready", ready, "-timeout", "30s", sock)
	if err := srv.Start(); err != nil {
		return err
	}
	if err := waitReady(ready, 30*time.Second); err != nil {
		srv.Process.Kill()
		srv.Wait()
		return fmt.Errorf("%v\n%s", err, sout.String())
	}
	cl := self(&cout, "unrelated", "connect", sock)
	cerr := cl.Run()
	serr := srv.Wait()
	cli.Say("-- serve:")
	fmt.Fprint(cli.Stdout, sout.String())
	cli.Say("-- connect:")
	fmt.Fprint(cli.Stdout, cout.String())
	if cerr != nil {
		return fmt.Errorf("connect: %v", cerr)
	}
	if serr != nil {
		return fmt.Errorf("serve: %v", serr)
	}
	return nil
}

// self is this program with args, as a separate process writing to out.
func self(out *bytes.Buffer, args ...string) *exec.Cmd {
	return &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        append([]string{os.Args[0]}, args...),
		Env:         os.Environ(),
		Stdout:      out,
		Stderr:      out,
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
}

// waitReady waits for the ready file of a process this program started, at
// most limit; a FILE.fail (see cli.Ready) stops it at once.
func waitReady(path string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if msg, err := os.ReadFile(path + ".fail"); err == nil {
			return fmt.Errorf("serve failed: %s", strings.TrimSpace(string(msg)))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("serve not ready after %v", limit)
		}
		time.Sleep(delay)
	}
}
