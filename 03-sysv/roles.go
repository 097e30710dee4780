//go:build linux && (amd64 || arm64)

// The roles this program takes as a child of itself: in a new user and IPC
// namespace (ns), or as the program a forked child execs (detach). A role
// child is started with the role's name and a one-time token in its
// environment and the same token as its first argument; anything else that
// sets the variable is refused with one line, and every role checks its
// own arguments.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"shmlab/internal/track"
)

const (
	roleEnv = "SHMLAB_SYSV_ROLE"  // ROLE:TOKEN
	roleArg = "shmlab-sysv-role:" // argv[1] of a role child, followed by TOKEN
)

// roles are the roles by name; each gets the arguments after the token.
var roles = map[string]func(args []string) error{
	"wait": roleWait,
}

// roleMain runs the role this process was started in, if any, and exits;
// it returns at once when the role variable is not set.
func roleMain() {
	v, set := os.LookupEnv(roleEnv)
	if !set {
		return
	}
	os.Unsetenv(roleEnv) // not for the children of the role
	name, token, _ := strings.Cut(v, ":")
	run := roles[name]
	if run == nil || len(token) < 16 || len(os.Args) < 2 || os.Args[1] != roleArg+token {
		fmt.Fprintf(os.Stderr, "%s: %s is set (to %q): it is only for this program's own child processes; unset it\n",
			filepath.Base(os.Args[0]), roleEnv, v)
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", filepath.Base(os.Args[0]), name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// roleWait reads its stdin to the end and exits: the program a forked
// child execs, alive for as long as its parent keeps the pipe open.
func roleWait(args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("takes no arguments (got %d)", len(args))
	}
	_, err := io.Copy(io.Discard, os.Stdin)
	return err
}

// roleCommand prepares this program as a child in role name with args,
// through a descriptor of its own executable (a child in a user namespace
// may not be able to search the directory it was built in). The child dies
// with this process. It records nothing for a scenario's cleanup: what it
// makes lives in its own namespace. Call done after the child has started.
func roleCommand(name string, attr *syscall.SysProcAttr, args ...string) (cmd *exec.Cmd, done func(), err error) {
	if roles[name] == nil {
		return nil, nil, fmt.Errorf("role %q: not registered", name)
	}
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, nil, err
	}
	var tok [12]byte
	if _, err := rand.Read(tok[:]); err != nil {
		exe.Close()
		return nil, nil, err
	}
	token := hex.EncodeToString(tok[:])
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, track.Env+"=") {
			env = append(env, kv)
		}
	}
	attr.Pdeathsig = syscall.SIGKILL
	cmd = &exec.Cmd{
		Path:        "/proc/self/fd/3", // ExtraFiles[0] in the child
		Args:        append([]string{os.Args[0], roleArg + token}, args...),
		Env:         append(env, roleEnv+"="+name+":"+token),
		ExtraFiles:  []*os.File{exe},
		SysProcAttr: attr,
	}
	return cmd, func() { exe.Close() }, nil
}
