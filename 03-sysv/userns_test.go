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

// commands are the programs the scenarios run: sysv, and where this user
// may make user namespaces (some systems forbid it to unprivileged users),
// userns and ipcns. A scenario that needs one says [!exec:userns] skip '...'.
func commands() map[string]func() {
	cmds := map[string]func(){"sysv": main}
	switch filepath.Base(os.Args[0]) {
	case "sysv", "unpriv":
		// A command of a scenario, not the test: no probe needed.
	case "userns":
		cmds["userns"] = usernsMain
	case "ipcns":
		cmds["ipcns"] = ipcnsMain
	default:
		if nsWorks(usernsAttr()) {
			cmds["userns"] = usernsMain
		}
		if nsWorks(ipcnsAttr()) {
			cmds["ipcns"] = ipcnsMain
		}
	}
	return cmds
}

// usernsAttr is a new user namespace where no uid or gid is mapped. The
// process keeps its real uid (the kernel compares those), but every uid it
// reads back is the overflow uid 65534, and none it writes (IPC_SET's uid)
// is valid: EINVAL.
func usernsAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
}

// ipcnsAttr is a new user namespace where this user is root (uid and gid 0
// mapped to its own), and a new IPC namespace: what a rootless container
// gets. Its segments are not this namespace's, and go when it ends.
func ipcnsAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWIPC,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
	}
}

// usernsMain is the `userns` command: `userns PROG [ARGS...]` runs PROG in
// the namespace of usernsAttr.
func usernsMain() { runIn("userns", usernsAttr()) }

// ipcnsMain is the `ipcns` command: `ipcns PROG [ARGS...]` runs PROG in the
// namespaces of ipcnsAttr; they end when PROG does.
func ipcnsMain() { runIn("ipcns", ipcnsAttr()) }

// runIn runs os.Args[1:] with attr and exits with its status.
func runIn(name string, attr *syscall.SysProcAttr) {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, "usage: %s PROGRAM [ARGS...]\n", name)
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = attr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(max(ee.ExitCode(), 1))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// nsWorks tries to run true(1) with attr.
func nsWorks(attr *syscall.SysProcAttr) bool {
	path, err := exec.LookPath("true")
	if err != nil {
		return false
	}
	cmd := exec.Command(path)
	cmd.SysProcAttr = attr
	return cmd.Run() == nil
}
