//go:build linux && (amd64 || arm64)

// perm: the mode bits at shmget and shmat (notes 001 §1.1.2.2, UNP2 3.5).
// The kernel checks the bits of one class, the first the caller falls in:
// owner (or creator), group, others. shmat asks for read (SHM_RDONLY) or
// read and write; shmget of an existing key asks for what the mode bits of
// its flag name, whatever class they are written in. Root passes every
// check, so the attempts are made by a process that is not root: uid 65534
// when this runs as root, else the user who runs it. This process makes
// each segment and, when root, gives it to uid 65534 with IPC_SET, so the
// process that tries is always the owner.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/unpriv"
)

func init() { fault.Register("perm-try", probePermTry) }

// permModes: all for the owner, read only, and nothing for the owner though
// group and others may read and write.
var permModes = []uint32{0o600, 0o400, 0o066}

// permTries are the attempts of the owner, in the order probePermTry makes
// them: shmget of the key asking 0600 (read and write) and 0004 (read, in
// the others' bits), then shmat read-only and read-write. (Asking 0 asks
// for nothing: that is how the other experiments find a segment.)
var permTries = []string{"shmget asking 0600", "shmget asking 0004", "SHM_RDONLY shmat", "read-write shmat"}

type permOpts struct {
	hold  bool
	ready string
}

func permCmd(f *cli.Flags) cli.Action {
	hold := f.Hold("the three segments")
	ready := f.Ready("the three segments are made and tried")
	return func([]string) error { return perm(permOpts{hold: *hold, ready: *ready}) }
}

func tourPerm() error {
	cli.Say("The kernel checks the mode bits of the caller's class only. shmat asks for")
	cli.Say("read (SHM_RDONLY) or read and write; shmget of an existing key asks for what")
	cli.Say("its mode bits name, in any class. Root passes every check, so the owner who")
	cli.Say("tries is not root (uid 65534, given each segment by IPC_SET, if you are root):")
	return perm(permOpts{})
}

func perm(o permOpts) error {
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	for i, mode := range permModes {
		// A segment with a key of its own, removed at the end.
		remove, err := permTry(filepath.Join(dir, strconv.Itoa(i)), mode)
		if err != nil {
			return err
		}
		defer remove()
	}
	if err := cli.Ready(o.ready); err != nil {
		return err
	}
	if o.hold {
		cli.Hold()
	}
	return nil
}

// permTry makes a segment of this mode, keyed by ftok(path), owned by the
// process that tries, and prints the outcome of each attempt.
func permTry(path string, mode uint32) (func(), error) {
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		return nil, cli.Sys("make the key file "+cli.Quote(path), "open", err)
	}
	key, err := ftok(path, 'p')
	if err != nil {
		return nil, err
	}
	id, remove, err := ownSegment(key, 4096, unix.IPC_CREAT|unix.IPC_EXCL|int(mode))
	if err != nil {
		return nil, err
	}
	if unpriv.IsRoot() {
		if err := Set(id, unpriv.UID, unpriv.GID, mode); err != nil {
			remove()
			return nil, cli.WithHints(idErr("give to uid 65534", id, "shmctl IPC_SET", err), map[syscall.Errno]string{
				unix.EINVAL: "uid 65534 has no mapping in this user namespace (a rootless container?): run perm as a user that is not root",
			})
		}
	}
	// The attempts, in a child that is not root (probePermTry).
	res, err := fault.RunUnprivileged("perm-try", strconv.Itoa(key), strconv.Itoa(id))
	if err != nil {
		remove()
		return nil, err
	}
	outcome := parseFacts(res.Output)
	for _, try := range permTries {
		cli.Fact(fmt.Sprintf("mode %04o, %s by the owner", mode, try), outcome[try])
	}
	return remove, nil
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

// probePermTry runs in the child, with args KEY SHMID: shmget(KEY, 0, M)
// for each access M of permTries, then shmat of SHMID read-only and
// read-write; it prints each outcome. It makes nothing.
func probePermTry(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("perm-try: want KEY SHMID, got %d arguments", len(args))
	}
	key, err1 := strconv.ParseInt(args[0], 10, 32)
	id, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil || id < 0 {
		return fmt.Errorf("perm-try: bad KEY SHMID %q %q", args[0], args[1])
	}
	for i, ask := range []int{0o600, 0o004} {
		_, err := Get(int(key), 0, ask) // no IPC_CREAT: it finds, never makes
		fmt.Printf("%s: %s\n", permTries[i], cli.Outcome(err))
	}
	for _, rdonly := range []bool{true, false} {
		m, err := Attach(id, rdonly)
		fmt.Printf("%s: %s\n", permTries[map[bool]int{true: 2, false: 3}[rdonly]], cli.Outcome(err))
		if err == nil {
			Detach(m)
		}
	}
	return nil
}
