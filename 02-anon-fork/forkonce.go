//go:build linux && (amd64 || arm64)

// One run of ForkTouch, shared by the fork and devzero experiments (and
// TestFork1000): the layout of the answers the child leaves in the shared
// page, the pipe that holds the child until the parent has written after
// the fork, and how a child's wait status reads.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

// Where the forked child of ForkTouch leaves its answers in the shared page,
// and where the parent writes in the private page after the fork.
const (
	offChildSawBefore = 128 // shared: the private page as the child found it
	offChildSawAfter  = 256 // shared: the private page after the parent wrote again
	offGateByte       = 384 // shared: scratch byte for the child's read of the pipe
	offParentAfter    = 64  // private: where the parent writes after the fork
	msgLen            = 32
)

// The messages of the fork experiment, padded to msgLen bytes.
const (
	msgChild        = "written by the child............"
	msgParentBefore = "written by the parent, pre-fork."
	msgParentAfter  = "written by the parent after fork"
)

// forkResult is what one run of ForkTouch showed.
type forkResult struct {
	Status        unix.WaitStatus
	SharedSeen    bool // the parent sees the child's write to the shared page
	PrivateSeen   bool // the parent sees the child's write to the private page
	Inherited     bool // the child found the parent's pre-fork write in the private page
	AfterForkSeen bool // the child sees the parent's post-fork write to the private page
}

// holdFunc runs in the parent after the fork, before the gate opens
// (fork -hold): child is the child's pid.
type holdFunc func(child int, shared []byte) error

// forkOnce runs ForkTouch with shared as the shared page and a fresh
// MAP_PRIVATE anonymous page, and reads the answers.
func forkOnce(shared []byte, hold holdFunc) (forkResult, error) {
	// shared may be a file's page, which another process may shrink: the
	// parent's accesses to it are guarded (a child's fault is its status).
	if err := fault.Guard(shared, func() { clear(shared[:512]) }); err != nil {
		return forkResult{}, fmt.Errorf("fork: clear the shared page: %w", err)
	}
	// A private page, written before the fork: the child inherits a copy.
	private, err := MapAnon(unix.Getpagesize(), unix.MAP_PRIVATE)
	if err != nil {
		return forkResult{}, cli.Sys("map a private anonymous page", "mmap", err)
	}
	defer Unmap(private)
	copy(private, msgParentBefore)

	// The gate: the child waits for one byte on this pipe. Closing our
	// write end would not wake it (it holds a copy of that end too); if
	// this process dies first, PR_SET_PDEATHSIG (childSetup) kills it.
	var gate [2]int
	if err := unix.Pipe2(gate[:], unix.O_CLOEXEC); err != nil {
		return forkResult{}, cli.Sys("make the gate pipe", "pipe2", err)
	}
	defer unix.Close(gate[0])
	defer unix.Close(gate[1])
	pid, err := ForkTouch(shared, private, gate[0])
	if err != nil {
		return forkResult{}, cli.Sys("fork a child", "clone", err)
	}
	return afterFork(pid, shared, private, gate[1], hold)
}

// afterFork is the parent's side once the child runs: hold if asked, write
// the private page again, open the gate, reap the child, read its answers.
func afterFork(pid int, shared, private []byte, gate int, hold holdFunc) (forkResult, error) {
	var r forkResult
	if hold != nil {
		if err := hold(pid, shared); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			WaitChild(pid)
			return r, err
		}
	}
	// The parent writes to its private page after the fork, then opens
	// the gate.
	copy(private[offParentAfter:], msgParentAfter)
	_, werr := unix.Write(gate, []byte{1})
	ws, err := WaitChild(pid)
	if err != nil {
		return r, cli.Sys(fmt.Sprintf("wait for child %d", pid), "wait4", err)
	}
	if werr != nil {
		return r, cli.Sys("open the gate", "write", werr)
	}
	r.Status = ws
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return r, fmt.Errorf("fork: the child ended badly: %s", describeStatus(ws))
	}
	// The answers: what each side found where the other wrote.
	var seen [512]byte
	if _, err := fault.Copy(shared, seen[:], shared); err != nil {
		return r, fmt.Errorf("fork: read the shared page: %w", err)
	}
	r.SharedSeen = string(seen[:msgLen]) == msgChild
	r.PrivateSeen = string(private[:msgLen]) == msgChild
	r.Inherited = string(seen[offChildSawBefore:offChildSawBefore+msgLen]) == msgParentBefore
	r.AfterForkSeen = string(seen[offChildSawAfter:offChildSawAfter+msgLen]) == msgParentAfter
	return r, nil
}

// describeStatus tells how a child ended, from its wait status.
func describeStatus(ws unix.WaitStatus) string {
	switch {
	case ws.Signaled():
		return "killed by " + unix.SignalName(ws.Signal())
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}
