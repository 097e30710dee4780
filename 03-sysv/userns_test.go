//go:build linux && (amd64 || arm64)

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// commands are the programs the scenarios run: sysv, and userns where this
// user may make a user namespace (some systems forbid it to unprivileged
// users). A scenario that needs it says [!exec:userns] skip '...'.
func commands() map[string]func() {
	cmds := map[string]func(){"sysv": main}
	switch filepath.Base(os.Args[0]) {
	case "sysv", "unpriv":
		// A command of a scenario, not the test: no probe needed.
	case "userns":
		cmds["userns"] = usernsMain
	default:
		if usernsWorks() {
			cmds["userns"] = usernsMain
		}
	}
	return cmds
}

// usernsMain is the `userns` command: `userns PROG [ARGS...]` runs PROG in a
// new user namespace where no uid or gid is mapped. The process keeps its
// real uid (the kernel compares those), but every uid it reads back is the
// overflow uid 65534, and none it writes (IPC_SET's uid) is valid: EINVAL.
func usernsMain() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: userns PROGRAM [ARGS...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(max(ee.ExitCode(), 1))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "userns:", err)
		os.Exit(1)
	}
}

// usernsWorks tries to run true(1) in a new user namespace.
func usernsWorks() bool {
	path, err := exec.LookPath("true")
	if err != nil {
		return false
	}
	cmd := exec.Command(path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	return cmd.Run() == nil
}
