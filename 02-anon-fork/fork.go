//go:build linux && (amd64 || arm64)

// The experiments that fork: fork (shared and private anonymous pages across
// a fork), counter (many children, one shared counter) and devzero (the same
// as fork, with memory from /dev/zero).

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
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

// forkOnce runs ForkTouch with shared as the shared page and a fresh
// MAP_PRIVATE anonymous page, and reads the answers. hold, if set, runs in
// the parent after the fork and before the gate opens (fork -hold).
func forkOnce(shared []byte, hold func(child int, shared []byte) error) (forkResult, error) {
	var r forkResult
	clear(shared[:512])
	private, err := MapAnon(unix.Getpagesize(), unix.MAP_PRIVATE)
	if err != nil {
		return r, err
	}
	defer Unmap(private)
	copy(private, msgParentBefore)

	var gate [2]int
	if err := unix.Pipe2(gate[:], unix.O_CLOEXEC); err != nil {
		return r, cli.Sys("make the gate pipe", "pipe2", err)
	}
	defer unix.Close(gate[0])
	pid, err := ForkTouch(shared, private, gate[0])
	if err != nil {
		unix.Close(gate[1])
		return r, err
	}
	// The child waits for a byte on the gate. Closing our write end would
	// not wake it: it holds a copy of that end too. If this process dies
	// before it writes, PR_SET_PDEATHSIG (childSetup) kills the child; that
	// is what `fork -hold` shows.
	if hold != nil {
		if err := hold(pid, shared); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			WaitChild(pid)
			unix.Close(gate[1])
			return r, err
		}
	}
	// The parent writes to its private page after the fork, then opens the
	// gate.
	copy(private[offParentAfter:], msgParentAfter)
	_, werr := unix.Write(gate[1], []byte{1})
	unix.Close(gate[1])
	ws, err := WaitChild(pid)
	if err != nil {
		return r, err
	}
	if werr != nil {
		return r, cli.Sys("open the gate", "write", werr)
	}
	r.Status = ws
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return r, fmt.Errorf("fork: the child ended badly: %s", describeStatus(ws))
	}
	r.SharedSeen = string(shared[:msgLen]) == msgChild
	r.PrivateSeen = string(private[:msgLen]) == msgChild
	r.Inherited = string(shared[offChildSawBefore:offChildSawBefore+msgLen]) == msgParentBefore
	r.AfterForkSeen = string(shared[offChildSawAfter:offChildSawAfter+msgLen]) == msgParentAfter
	return r, nil
}

// childStdOpen counts which of descriptors 0, 1 and 2 the forked child
// still has (/proc/PID/fd), once it has written its message into the
// shared page: by then childSetup has closed them.
func childStdOpen(pid int, shared []byte) (int, error) {
	for deadline := time.Now().Add(10 * time.Second); string(shared[:msgLen]) != msgChild; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("fork: the child %d wrote nothing in 10s", pid)
		}
	}
	open := 0
	for fd := 0; fd < 3; fd++ {
		if _, err := os.Lstat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd)); err == nil {
			open++
		}
	}
	return open, nil
}

func describeStatus(ws unix.WaitStatus) string {
	switch {
	case ws.Signaled():
		return "killed by " + unix.SignalName(ws.Signal())
	case ws.Exited():
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}

// backing names what /proc/self/maps shows behind the mapping of b.
func backing(b []byte) string {
	m, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&b[0])))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if m.Path == "" {
		return "none"
	}
	return m.Path
}

func printFork(r forkResult) {
	cli.Fact("child exit status", r.Status.ExitStatus())
	cli.Fact("shared write visible to parent", cli.YesNo(r.SharedSeen))
	cli.Fact("private write visible to parent", cli.YesNo(r.PrivateSeen))
	cli.Fact("private page inherited by child", cli.YesNo(r.Inherited))
	cli.Fact("parent write after fork visible to child", cli.YesNo(r.AfterForkSeen))
}

func runFork(args []string) error {
	fs := cli.NewFlags("fork")
	hold := fs.Bool("hold", false, "after the fork, print the child's pid and wait (until SIGINT or SIGTERM) before letting the child go on")
	ready := fs.String("ready", "", "with -hold: write this file once the child is forked")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("fork", pos, 0, 0); err != nil {
		return err
	}
	if *ready != "" && !*hold {
		return cli.Usagef("fork: -ready goes with -hold")
	}
	var h func(int, []byte) error
	if *hold {
		h = func(child int, shared []byte) error {
			cli.Fact("child pid", child)
			open, err := childStdOpen(child, shared)
			if err != nil {
				return err
			}
			cli.Fact("child descriptors 0-2 open", open)
			cli.Say("The child waits for the parent's byte on a pipe; kill this process and")
			cli.Say("PR_SET_PDEATHSIG kills the child too.")
			if err := cli.Ready(*ready); err != nil {
				return err
			}
			cli.Hold()
			return nil
		}
	}
	return forkExp(h)
}

func tourFork() error {
	cli.Say("Map one page MAP_SHARED|MAP_ANONYMOUS and one MAP_PRIVATE|MAP_ANONYMOUS, write")
	cli.Say("into the private one, and fork with the raw clone system call. The child")
	cli.Say("writes into both pages; the parent writes into the private page again after")
	cli.Say("the fork. The notes say parent and child memory is read-shared and")
	cli.Say("copy-on-write (读时共享、写时复制), so mappings are \"always shared\": that is")
	cli.Say("true of MAP_SHARED pages only. A MAP_PRIVATE page is copied by the first write")
	cli.Say("on either side, and from then on each process has its own.")
	return forkExp(nil)
}

func forkExp(hold func(int, []byte) error) error {
	shared, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(shared)
	cli.Fact("shared anonymous page in /proc/self/maps", backing(shared))
	r, err := forkOnce(shared, hold)
	if err != nil {
		return err
	}
	printFork(r)
	return nil
}

func runCounter(args []string) error {
	fs := cli.NewFlags("counter")
	procs := fs.String("procs", "4", "number of child processes")
	iters := fs.String("iters", "100000", "increments per child")
	atomic := fs.Bool("atomic", false, "use a locked read-modify-write")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("counter", pos, 0, 0); err != nil {
		return err
	}
	n, err := cli.ParseCount("-procs", *procs, 1, maxProcs)
	if err != nil {
		return err
	}
	k, err := cli.ParseCount("-iters", *iters, 1, maxIters)
	if err != nil {
		return err
	}
	return counter(int(n), int(k), *atomic)
}

const (
	maxProcs = 64
	maxIters = 10_000_000
)

func tourCounter() error {
	cli.Say("Four forked children each add 1 to one counter in a shared anonymous page,")
	cli.Say("200000 times, first with a plain increment: three steps, load, add, store.")
	cli.Say("Shared memory itself synchronises nothing (需要同步机制, notes 001 §1.1).")
	if err := counter(4, 200000, false); err != nil {
		return err
	}
	cli.Say("The same with a locked read-modify-write (LOCK XADD on amd64):")
	return counter(4, 200000, true)
}

func counter(procs, iters int, atomic bool) error {
	total, err := countOnce(procs, iters, atomic)
	if err != nil {
		return err
	}
	expected := uint64(procs) * uint64(iters)
	cli.Fact("procs", procs)
	cli.Fact("iters", iters)
	cli.Fact("atomic", cli.YesNo(atomic))
	cli.Fact("total", total)
	cli.Fact("expected", expected)
	cli.Fact("lost updates", expected-total)
	if !atomic {
		cli.Say("(A lost update: two children load the same value and both store value+1.")
		cli.Say("How many happen depends on timing; -atomic makes each increment one locked")
		cli.Say("instruction, and none is lost.)")
	}
	return nil
}

// countOnce forks procs children that each add 1 to a shared counter iters
// times, waits for them all, and returns the total.
func countOnce(procs, iters int, atomic bool) (uint64, error) {
	page, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer Unmap(page)
	var gate [2]int
	if err := unix.Pipe2(gate[:], unix.O_CLOEXEC); err != nil {
		return 0, cli.Sys("make the start gate", "pipe2", err)
	}
	defer unix.Close(gate[0])
	var pids []int
	var ferr error
	for i := 0; i < procs; i++ {
		pid, err := ForkCount(page, iters, atomic, gate[0], gate[1])
		if err != nil {
			ferr = err
			break
		}
		pids = append(pids, pid)
	}
	// Open the gate: every child sees end-of-file and starts counting. If a
	// fork failed, the children already forked count and exit all the same.
	unix.Close(gate[1])
	var bad []string
	for _, pid := range pids {
		ws, err := WaitChild(pid)
		if err != nil {
			bad = append(bad, err.Error())
		} else if !ws.Exited() || ws.ExitStatus() != 0 {
			bad = append(bad, describeStatus(ws))
		}
	}
	if ferr != nil {
		return 0, ferr
	}
	if len(bad) > 0 {
		return 0, fmt.Errorf("counter: children ended badly: %s", strings.Join(bad, ", "))
	}
	return *(*uint64)(unsafe.Pointer(&page[0])), nil
}

func runDevzero(args []string) error {
	if err := cli.Want("devzero", args, 0, 0); err != nil {
		return err
	}
	return devzero()
}

func tourDevzero() error {
	cli.Say("Before MAP_ANONYMOUS, shared anonymous memory came from mapping /dev/zero")
	cli.Say("MAP_SHARED. Linux turns that mapping into the same unnamed shared-memory object a")
	cli.Say("MAP_SHARED|MAP_ANONYMOUS mapping gets (both read \"/dev/zero (deleted)\" in")
	cli.Say("/proc/self/maps). A forked child shares it; another process that opens and maps")
	cli.Say("/dev/zero gets a new object of its own, all zeros.")
	return devzero()
}

func devzero() error {
	shared, err := MapDevZero(unix.Getpagesize())
	if err != nil {
		return err
	}
	defer Unmap(shared)
	cli.Fact("/dev/zero mapping in /proc/self/maps", backing(shared))
	r, err := forkOnce(shared, nil)
	if err != nil {
		return err
	}
	cli.Fact("child exit status", r.Status.ExitStatus())
	cli.Fact("shared write visible to parent", cli.YesNo(r.SharedSeen))
	res, err := fault.Run(probeDevzeroPeek)
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("devzero: the other process was killed by %s", unix.SignalName(res.Signal))
	}
	seen := strings.TrimSpace(res.Output) == msgChild
	cli.Fact("another process mapping /dev/zero sees the child's write", cli.YesNo(seen))
	return nil
}

const probeDevzeroPeek = "anonfork-devzero-peek"

func init() {
	// The other process of devzero: it maps /dev/zero itself and prints the
	// start of the page, up to the first zero byte.
	fault.Register(probeDevzeroPeek, func(args []string) error {
		b, err := MapDevZero(unix.Getpagesize())
		if err != nil {
			return err
		}
		fmt.Println(cstring(b[:msgLen]))
		return nil
	})
}

// cstring is b up to its first zero byte.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
