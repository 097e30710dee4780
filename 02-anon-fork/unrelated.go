//go:build linux && (amd64 || arm64)

// The unrelated experiment: two processes neither of which forked the other
// share memory. An anonymous mapping has no name they could both use, so one
// sends the other a descriptor of anonymous memory (a memfd) over a UNIX
// socket (SCM_RIGHTS, course ep. 22), or the other reopens it through
// /proc/PID/fd/N. Its roles are in unrelated_serve.go, unrelated_connect.go
// and unrelated_tcp.go (not over TCP: same machine only).

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

// What serve and connect write, where, and the label of serve's memfd.
const (
	msgServe       = "hello from serve"
	msgConnect     = "hello from connect"
	msgProcfd      = "hello via /proc/PID/fd"
	offReply       = 64
	memfdUnrelated = "shmlab-unrelated"
)

func unrelatedCmd(f *cli.Flags) cli.Action {
	mode := f.Mode("mode", 0o600, "permission bits of serve's socket file (fchmod before bind): write permission lets a user connect")
	memfdMode := f.Mode("memfd-mode", 0o600, "permission bits of serve's memfd (fchmod): they bind a process that reopens it through /proc/PID/fd/N, not one that receives the descriptor")
	procfd := f.Bool("procfd", "connect without taking the descriptor serve sends: open serve's memfd through /proc/PID/fd/N (PID from SO_PEERCRED)")
	ready := f.Ready("serve listens")
	timeout := f.Timeout(30*time.Second, "nobody connects (serve) or serve sends nothing (connect)")
	f.Args(0, -1) // serve SOCKET | connect SOCKET | tcp
	return func(args []string) error {
		if len(args) == 0 {
			return cli.Usagef("unrelated: say serve, connect or tcp")
		}
		role, pos := args[0], args[1:]
		given := func(names ...string) bool {
			for _, n := range names {
				if f.Given(n) {
					return true
				}
			}
			return false
		}
		switch role {
		case "tcp":
			if len(pos) != 0 || given("mode", "memfd-mode", "procfd", "ready", "timeout") {
				return cli.Usagef("unrelated tcp: takes no flags and no arguments")
			}
			return tcpDemo()
		case "serve", "connect":
		default:
			return cli.Usagef("unrelated: %s: say serve, connect or tcp", cli.Quote(role))
		}
		if len(pos) != 1 {
			return cli.Usagef("unrelated %s: wrong number of arguments (%d)", role, len(pos))
		}
		if err := checkSocketPath(role, pos[0]); err != nil {
			return err
		}
		if role == "connect" {
			if given("mode", "memfd-mode", "ready") {
				return cli.Usagef("unrelated connect: -mode, -memfd-mode and -ready go with serve")
			}
			return connect(pos[0], *timeout, *procfd)
		}
		if *procfd {
			return cli.Usagef("unrelated serve: -procfd goes with connect")
		}
		return serve(pos[0], *mode, *memfdMode, *ready, *timeout)
	}
}

// checkSocketPath refuses a socket path that is empty or names no file:
// x/sys/unix takes a leading @ for Linux's abstract socket namespace.
func checkSocketPath(role, path string) error {
	if path == "" {
		return cli.Usagef("unrelated %s: empty socket path", role)
	}
	if strings.HasPrefix(path, "@") {
		return cli.Usagef("unrelated %s: socket path %s starts with @, which names an abstract socket, not a file (say ./%s)", role, cli.Quote(path), path)
	}
	return nil
}

func tourUnrelated() error {
	cli.Say("The notes say MAP_ANON, or fd -1, lets unrelated processes (非血缘关系的进程)")
	cli.Say("communicate. It cannot: an anonymous mapping has no name, and another")
	cli.Say("process's own MAP_ANONYMOUS mapping is new memory. What works: serve puts")
	cli.Say("anonymous memory behind a descriptor (memfd_create) and sends it over a UNIX")
	cli.Say("socket (SCM_RIGHTS); connect, which serve did not start, maps the same pages.")
	cli.Say("(connect -procfd opens it at /proc/PID/fd/N instead.) The tour starts both.")
	dir, err := os.MkdirTemp("", "anonfork-tour-")
	if err != nil {
		return cli.Sys("make a temporary directory in "+cli.Quote(os.TempDir()), "mkdir", err)
	}
	defer cli.Made(func() { os.RemoveAll(dir) })()
	sock, ready := filepath.Join(dir, "sock"), filepath.Join(dir, "ready")

	// serve first; connect once serve has written its ready file.
	var sout, cout bytes.Buffer
	srv := self(&sout, "unrelated", "serve", "-ready", ready, "-timeout", "30s", sock)
	if err := srv.Start(); err != nil {
		return err
	}
	// Interrupted, serve goes first (it may still be making its socket).
	defer cli.Made(func() { killAndWait(srv.Process) })()
	if err := waitReady(ready, 30*time.Second); err != nil {
		srv.Process.Kill()
		srv.Wait()
		return fmt.Errorf("%v\n%s", err, sout.String())
	}
	cerr := self(&cout, "unrelated", "connect", sock).Run()
	serr := srv.Wait()

	// What each printed.
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

// killAndWait kills a process this program started and waits, at most a
// second, until it has stopped running (it may be a zombie: another
// goroutine reaps it), so that it makes nothing more.
func killAndWait(p *os.Process) {
	p.Kill()
	for deadline := time.Now().Add(time.Second); procfs.Running(p.Pid) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
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
