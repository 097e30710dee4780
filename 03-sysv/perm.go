//go:build linux && (amd64 || arm64)

// perm: the mode bits at shmat (notes 001 §1.1.2.2, UNP2 3.5). The kernel
// checks the bits of one class, the first the caller falls in: owner (or
// creator), group, others; read for SHM_RDONLY, read and write otherwise.
// Root passes every check, so the attempts are made by a process that is not
// root: uid 65534 when this runs as root, else the user who runs it. That
// process makes each segment itself, so it is the owner whoever runs it.

package main

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/track"
)

func init() { fault.Register("perm-try", probePermTry) }

// permModes: all for the owner, read only, and nothing for the owner though
// group and others may read and write.
var permModes = []uint32{0o600, 0o400, 0o066}

func permCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return perm() }
}

func tourPerm() error {
	cli.Say("The low 9 bits of shmget's flag are the mode: read and write for owner,")
	cli.Say("group and others, as for a file. shmat checks the bits of the caller's")
	cli.Say("class only: read for SHM_RDONLY, read and write otherwise. Root passes")
	cli.Say("every check, so a process that is not root (uid 65534 when this runs as")
	cli.Say("root) makes each segment and attaches it: its own owner bits decide, and")
	cli.Say("0066 shuts the owner out though anyone else may attach:")
	return perm()
}

func perm() error {
	for _, mode := range permModes {
		// The attempts, in a child that is not root (probePermTry).
		res, err := fault.RunUnprivileged("perm-try", fmt.Sprintf("%04o", mode))
		outcome := parseFacts(res.Output)
		// The child's segment is ours to remove: we are its owner, or root.
		if id, aerr := strconv.Atoi(outcome["shmid"]); aerr == nil {
			track.Shm(id, unix.IPC_PRIVATE)
			Remove(id)
		}
		if err != nil {
			return err
		}
		for _, how := range []string{"SHM_RDONLY", "read-write"} {
			cli.Fact(fmt.Sprintf("mode %04o, %s shmat by the owner", mode, how), outcome[how])
		}
	}
	return nil
}

// parseFacts reads the `name: value` lines a child printed.
func parseFacts(out string) map[string]string {
	facts := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			facts[name] = value
		}
	}
	return facts
}

// probePermTry runs in the child: make a segment with mode args[0], then
// try shmat with SHM_RDONLY and read-write; print the shmid and each outcome.
func probePermTry(args []string) error {
	mode, err := strconv.ParseUint(args[0], 8, 9)
	if err != nil {
		return err
	}
	id, err := Get(unix.IPC_PRIVATE, 4096, int(mode))
	if err != nil {
		return getErr(err, unix.IPC_PRIVATE, 0)
	}
	fmt.Printf("shmid: %d\n", id)
	for _, how := range []string{"SHM_RDONLY", "read-write"} {
		m, err := Attach(id, how == "SHM_RDONLY")
		fmt.Printf("%s: %s\n", how, cli.Outcome(err))
		if err == nil {
			Detach(m)
		}
	}
	return nil
}
