//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// self is a command running this same program with args, in a new process:
// the tour's producers and consumers, crash's victims, bench's receivers.
// It execs /proc/self/exe with argv[0] "shmfifo", which is how a test binary
// (go test, testscript) knows to act as the program; the child dies if we do.
func self(args ...string) *exec.Cmd {
	cmd := &exec.Cmd{Path: "/proc/self/exe", Args: append([]string{"shmfifo"}, args...)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	return cmd
}
