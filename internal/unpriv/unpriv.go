//go:build linux && (amd64 || arm64)

// Package unpriv runs a command as an unprivileged user. Root bypasses
// permission bits and memory-lock limits, so experiments about them run their
// other side as uid/gid 65534 ("nobody") when the lab runs as root, and as the
// current user otherwise.
package unpriv

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// UID and GID are those of the unprivileged side when running as root.
const (
	UID = 65534
	GID = 65534
)

// TrackEnv names the record file of the programs run as UID (see
// internal/track): when set, Main hands it to the program as SHMLAB_TRACK,
// so that what the unprivileged side makes is recorded apart from what the
// test's own user makes.
const TrackEnv = "SHMLAB_TRACK_UNPRIV"

// IsRoot reports whether this process has effective uid 0.
func IsRoot() bool { return os.Geteuid() == 0 }

// Command is exec.Command, set to run as UID/GID when this process is root.
func Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	if IsRoot() {
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: UID, Gid: GID, Groups: []uint32{}},
		}
	}
	return cmd
}

// Main is the `unpriv` command of the scenarios: `unpriv PROGRAM [ARGS...]`
// execs PROGRAM as uid/gid 65534 with no supplementary groups if root, as
// itself otherwise. The PID stays the same, so testscript's kill and wait
// work on it as on any background command.
func Main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: unpriv PROGRAM [ARGS...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "unpriv: %v\n", err)
		os.Exit(1)
	}
	// Open the program while still root: the test binaries live in
	// directories only root may search. Exec'ing through /proc/self/fd does
	// not walk that path again as the new user.
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unpriv: open %s: %v\n", path, err)
		os.Exit(1)
	}
	exe := path
	root := IsRoot() // asked once: after setuid below the answer is no
	if root {
		exe = "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
		// Go applies these to every thread of the process (since Go 1.16).
		for _, step := range []struct {
			name string
			fn   func() error
		}{
			{"setgroups", func() error { return unix.Setgroups(nil) }},
			{"setgid", func() error { return unix.Setgid(GID) }},
			{"setuid", func() error { return unix.Setuid(UID) }},
		} {
			if err := step.fn(); err != nil {
				fmt.Fprintf(os.Stderr, "unpriv: %s: %v\n", step.name, err)
				os.Exit(1)
			}
		}
	}
	env := os.Environ()
	if t := os.Getenv(TrackEnv); t != "" && root {
		// The test user's record file is not this user's to write: replace
		// it (a Go program reads the first of two values, not the last).
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "SHMLAB_TRACK=") })
		env = append(env, "SHMLAB_TRACK="+t)
	}
	err = syscall.Exec(exe, os.Args[1:], env)
	fmt.Fprintf(os.Stderr, "unpriv: execve %s: %v\n", path, err)
	os.Exit(1)
}
