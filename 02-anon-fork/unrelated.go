//go:build linux && (amd64 || arm64)

// The unrelated experiment: two processes neither of which forked the other
// share memory. An anonymous mapping has no name they could both use, so one
// sends the other a descriptor of anonymous memory (a memfd) over a UNIX
// socket (SCM_RIGHTS, course ep. 22). Its two roles are in
// unrelated_serve.go and unrelated_connect.go.

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
)

// What serve and connect write, where, and the label of serve's memfd.
const (
	msgServe       = "hello from serve"
	msgConnect     = "hello from connect"
	offReply       = 64
	memfdUnrelated = "shmlab-unrelated"
)

func unrelatedCmd(f *cli.Flags) cli.Action {
	mode := f.Mode("mode", 0o600, "permission bits of serve's socket file (fchmod before bind): write permission lets a user connect")
	ready := f.Ready("serve listens")
	timeout := f.Timeout(30*time.Second, "nobody connects (serve) or serve sends nothing (connect)")
	f.Args(0, -1) // serve SOCKET | connect SOCKET
	return func(args []string) error {
		if len(args) == 0 {
			return cli.Usagef("unrelated: say serve or connect")
		}
		role, pos := args[0], args[1:]
		if role != "serve" && role != "connect" {
			return cli.Usagef("unrelated: %q: say serve or connect", role)
		}
		if len(pos) != 1 {
			return cli.Usagef("unrelated %s: wrong number of arguments (%d)", role, len(pos))
		}
		if pos[0] == "" {
			return cli.Usagef("unrelated %s: empty socket path", role)
		}
		if role == "connect" {
			if f.Given("mode") || f.Given("ready") {
				return cli.Usagef("unrelated connect: -mode and -ready go with serve")
			}
			return connect(pos[0], *timeout)
		}
		return serve(pos[0], *mode, *ready, *timeout)
	}
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
	sock, ready := filepath.Join(dir, "sock"), filepath.Join(dir, "ready")

	// serve first; connect once serve has written its ready file.
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
