//go:build linux && (amd64 || arm64)

// ns: what ends a segment besides IPC_RMID and a reboot (notes 001 §1.1,
// UNP2 1.3). Every segment belongs to an IPC namespace: a process in a new
// one (a container) sees only its segments, and when its last process
// exits the kernel removes them all. Each namespace also has its own
// kernel.shm_rmid_forced: set to 1, a segment is removed when its creator
// exits if nothing is attached. Both are shown in children of this program
// made with CLONE_NEWUSER|CLONE_NEWIPC, which an ordinary user may make
// where user namespaces are allowed.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

// nsEndSize is the segment whose memory shows the end of a namespace: large
// enough to stand out in /proc/meminfo's Shmem.
const nsEndSize = 64 << 20

func init() {
	roles["ns-persist"] = roleNsPersist
	roles["ns-end"] = roleNsEnd
	fault.Register("ns-put", probeNsPut)
}

func nsCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return lifetime() }
}

func tourNs() error {
	cli.Say("A segment belongs to an IPC namespace (a container has its own), and goes")
	cli.Say("when the namespace's last process exits; kernel.shm_rmid_forced=1 (one per")
	cli.Say("namespace) removes it when its creator exits with nothing attached:")
	err := lifetime()
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EINVAL) {
		cli.Fact("a new user and IPC namespace", cli.Outcome(err)+" (not allowed to this user here)")
		return nil
	}
	return err
}

func lifetime() error {
	// A key that is free here: ftok of a new file.
	key, done, err := tourKey('n')
	if err != nil {
		return err
	}
	defer done()
	forced := sysctl("kernel/shm_rmid_forced")

	// In a namespace: a segment outlives its creator, then shm_rmid_forced.
	out, err := runInNamespace("ns-persist", cli.HexKey(key))
	if err != nil {
		return err
	}
	cli.Stdout.Write([]byte(out))

	// Here, the namespace's key names nothing, and the setting is ours.
	_, err = Get(key, 0, 0)
	cli.Fact("outside the namespace, shmget of its key", cli.Outcome(err))
	cli.Fact("kernel.shm_rmid_forced outside, unchanged", cli.YesNo(sysctl("kernel/shm_rmid_forced") == forced))
	return nsEnd()
}

// nsAttr makes a child in a new user namespace (where it is root, mapped to
// this user) and a new IPC namespace.
func nsAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWIPC,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
	}
}

// runInNamespace runs role in a new namespace and gives what it printed.
func runInNamespace(role string, args ...string) (string, error) {
	cmd, done, err := roleCommand(role, nsAttr(), args...)
	if err != nil {
		return "", err
	}
	defer done()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", nsErr(err, stderr.String())
	}
	return string(out), nil
}

// nsErr tells why a child in a new namespace failed: it could not be made
// (clone's errno), or it said why itself.
func nsErr(err error, stderr string) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return cli.SysHint("make a new user and IPC namespace", "clone", errno,
			"this system does not let this user make one (user.max_user_namespaces, kernel.unprivileged_userns_clone, an AppArmor or seccomp policy)")
	}
	if s := strings.TrimSpace(stderr); s != "" {
		return errors.New(s)
	}
	return fmt.Errorf("the child in a new namespace: %w", err)
}

// roleNsPersist runs in the new namespace, with args KEY: a child makes a
// segment with KEY and exits, this process finds and reads it; then with
// kernel.shm_rmid_forced set to 1 the same is tried with KEY+1.
func roleNsPersist(args []string) error {
	if err := inNewUserNS(); err != nil {
		return err
	}
	if len(args) != 1 {
		return fmt.Errorf("want KEY, got %d arguments", len(args))
	}
	key, err := cli.ParseKey(args[0])
	if err != nil || key == unix.IPC_PRIVATE {
		return fmt.Errorf("bad KEY %q", args[0])
	}
	cli.Fact("kernel.shm_rmid_forced in a new IPC namespace", sysctl("kernel/shm_rmid_forced"))
	if err := putInChild(key, "left in the namespace"); err != nil {
		return err
	}
	id, err := Get(key, 0, 0)
	cli.Fact("after its creator exited, shmget of its key", cli.Outcome(err))
	if err != nil {
		return nil
	}
	m, err := Attach(id, true)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	cli.Fact("read by another process", contents(m))
	Detach(m)

	// kernel.shm_rmid_forced = 1, in this namespace only.
	err = os.WriteFile("/proc/sys/kernel/shm_rmid_forced", []byte("1\n"), 0)
	cli.Fact("kernel.shm_rmid_forced set to 1 here", cli.Outcome(err))
	if err != nil {
		return nil
	}
	if err := putInChild(key+1, "gone with its creator"); err != nil {
		return err
	}
	_, err = Get(key+1, 0, 0)
	cli.Fact("with shm_rmid_forced 1, after its creator exited, shmget of its key", cli.Outcome(err))
	return nil
}

// putInChild has a child make a segment with key, write text in it and
// exit (probeNsPut).
func putInChild(key int, text string) error {
	res, err := fault.Run("ns-put", strconv.Itoa(key), text)
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("the child that makes the segment was killed by %v", res)
	}
	return nil
}

// probeNsPut runs in a child, with args KEY TEXT: shmget(KEY, 4096,
// IPC_CREAT|IPC_EXCL|0600), attach, write TEXT and a NUL, detach, exit.
func probeNsPut(args []string) error {
	if len(args) != 2 || len(args[1]) >= 4096 {
		return fmt.Errorf("ns-put: want KEY TEXT (under 4096 bytes)")
	}
	key, err := strconv.ParseInt(args[0], 10, 32)
	if err != nil || key == unix.IPC_PRIVATE {
		return fmt.Errorf("ns-put: bad KEY %q", args[0])
	}
	id, err := Get(int(key), 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		return getErr(err, int(key), unix.IPC_CREAT|unix.IPC_EXCL)
	}
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	copy(m, args[1]+"\x00")
	return idErr("detach from", id, "shmdt", Detach(m))
}

// nsEnd shows the end of a namespace freeing its segment: a child in a new
// one makes a segment of nsEndSize, writes every page, detaches and waits;
// Shmem in /proc/meminfo rises by the segment; the child exits, and Shmem
// falls back. Other processes move Shmem too, so a try that sees no clear
// rise and fall is made again, three times at most.
func nsEnd() error {
	var rose, fell bool
	for try := 0; try < 3 && !(rose && fell); try++ {
		var err error
		if rose, fell, err = nsEndTry(); err != nil {
			return err
		}
	}
	mib := nsEndSize >> 20
	cli.Fact(fmt.Sprintf("a %d MiB segment, nothing attached, in Shmem while its namespace lives", mib), cli.YesNo(rose))
	cli.Fact("freed when the namespace's last process exits", cli.YesNo(fell))
	return nil
}

// nsEndTry is one try of nsEnd: did Shmem rise by 3/4 of the segment while
// the namespace lived, and fall by as much within 10 seconds of its end?
func nsEndTry() (rose, fell bool, err error) {
	cmd, done, err := roleCommand("ns-end", nsAttr(), strconv.Itoa(nsEndSize))
	if err != nil {
		return false, false, err
	}
	defer done()
	in, err := cmd.StdinPipe()
	if err != nil {
		return false, false, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return false, false, err
	}
	before, _ := shmemKB()
	if err := cmd.Start(); err != nil {
		return false, false, nsErr(err, "")
	}
	line, _ := bufio.NewReader(outPipe).ReadString('\n')
	alive, _ := shmemKB()
	in.Close() // the child's only process exits: the namespace ends
	if werr := cmd.Wait(); werr != nil || line != "ready\n" {
		return false, false, nsErr(errors.Join(werr, errors.New("no ready line")), stderr.String())
	}
	want := int64(nsEndSize) / 1024 * 3 / 4
	rose = alive-before >= want
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if now, err := shmemKB(); err == nil && alive-now >= want {
			return rose, true, nil
		}
	}
	return rose, false, nil
}

// roleNsEnd runs in the new namespace, with args SIZE: a segment of SIZE
// bytes, every page written, detached; it prints "ready" and waits for its
// stdin to close, then exits, the last process of its namespace.
func roleNsEnd(args []string) error {
	if err := inNewUserNS(); err != nil {
		return err
	}
	if len(args) != 1 {
		return fmt.Errorf("want SIZE, got %d arguments", len(args))
	}
	size, err := strconv.Atoi(args[0])
	if err != nil || size <= 0 || size > nsEndSize {
		return fmt.Errorf("bad SIZE %q (at most %d)", args[0], nsEndSize)
	}
	if forced := sysctl("kernel/shm_rmid_forced"); forced != "0" {
		return fmt.Errorf("kernel.shm_rmid_forced is %s in the new namespace, not 0", forced)
	}
	id, err := Get(unix.IPC_PRIVATE, size, 0o600)
	if err != nil {
		return getErr(err, unix.IPC_PRIVATE, 0)
	}
	m, err := Attach(id, false)
	if err != nil {
		return idErr("attach", id, "shmat", err)
	}
	for i := 0; i < len(m); i += os.Getpagesize() {
		m[i] = 1
	}
	if err := Detach(m); err != nil {
		return idErr("detach from", id, "shmdt", err)
	}
	fmt.Println("ready")
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// inNewUserNS refuses to run a namespace role anywhere but in the user
// namespace nsAttr makes, where one id is mapped (the initial namespace
// maps them all): there, what the role makes goes with the namespace.
func inNewUserNS() error {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return err
	}
	if fs := strings.Fields(string(b)); len(fs) != 3 || fs[0] != "0" || fs[2] != "1" {
		return fmt.Errorf("not in a new user namespace (uid_map %q): this role runs only there", strings.TrimSpace(string(b)))
	}
	return nil
}

// shmemKB is Shmem in /proc/meminfo: all shared memory in use, in kB.
func shmemKB() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Shmem:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("/proc/meminfo has no Shmem line")
}
