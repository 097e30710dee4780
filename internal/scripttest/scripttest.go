//go:build linux && (amd64 || arm64)

// Package scripttest is the testscript setup every chapter's tests share:
// the programs registered as commands, the per-scenario environment (unique
// keys and names, cleanup through env.Defer), the conditions and commands
// scenarios use, and the grade line of exercise mode.
package scripttest

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
	"shmlab/internal/procfs"
	"shmlab/internal/track"
	"shmlab/internal/unpriv"
)

// Main registers the chapter's program under its scenario name, together with
// the helper commands, and runs the tests. Call it from TestMain.
func Main(m *testing.M, programs map[string]func()) {
	// A program built with -race sleeps a second at exit by default, and a
	// scenario runs many: without this the race run of a chapter is mostly
	// sleep. testscript passes GORACE on to the scenarios' commands.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	cmds := map[string]func(){"unpriv": unpriv.Main}
	for k, v := range programs {
		cmds[k] = v
	}
	testscript.Main(m, cmds)
}

// KeyBlock is how many consecutive System V keys each scenario owns,
// starting at $KEY (shmfifo uses K, K+1, K+2).
const KeyBlock = 16

// Params returns the testscript parameters for the scenarios in dir.
//
// Every scenario gets:
//   - $KEY: a System V key base of its own (0x7eXXXXX0), owning KEY..KEY+15.
//     The block is reserved before the scenario starts: a System V message
//     queue with key $KEY, made with IPC_CREAT|IPC_EXCL, so two scenarios
//     (of this package or another running at the same time) never share a
//     block, and the cleanup may remove whatever is in it;
//   - $SHMNAME: a POSIX shm name of its own ("shmlab-<random>");
//   - $SHMLAB_TRACK: the file programs record created objects in; only the
//     test can write it;
//   - cleanup on exit, pass or fail: every tracked object, every object with
//     a key in its block, every /dev/shm entry starting with $SHMNAME or
//     sem.$SHMNAME;
//   - when root, a $WORK that uid 65534 may enter but not write, and
//     $UNPRIV, a directory of its own that it may (elsewhere $UNPRIV is
//     $WORK). What the unprivileged side records goes to a file of its own,
//     and the cleanup trusts it only for objects and files uid 65534 owns.
func Params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setup,
		Condition:           Condition,
		Cmds:                Cmds,
	}
}

func setup(env *testscript.Env) error {
	key, sentinel, err := reserveKeys()
	if err != nil {
		return err
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	name := fmt.Sprintf("shmlab-%08x", binary.LittleEndian.Uint32(b[:]))
	c := &cleanup{key: key, sentinel: sentinel, prefix: name,
		track: filepath.Join(env.WorkDir, ".shmlab-created")}
	env.Setenv(scenarioEnv, name)
	stop := watch(env, name)
	env.Defer(func() {
		stop()
		if err := c.run(); err != nil {
			env.T().Log("cleanup: ", err)
		}
	})
	// Made now, mode 0600, in a directory only the test may write: no other
	// user can add a line to it.
	if err := os.WriteFile(c.track, nil, 0o600); err != nil {
		return err
	}
	env.Setenv("KEY", fmt.Sprintf("0x%08x", key))
	env.Setenv("SHMNAME", name)
	env.Setenv(track.Env, c.track)
	env.Setenv("PAGESIZE", fmt.Sprint(os.Getpagesize()))
	env.Setenv("UNPRIV", env.WorkDir)
	if unpriv.IsRoot() {
		return unprivDir(env, c)
	}
	return nil
}

// unprivDir lets uid 65534 reach $WORK (search, not write: MkdirTemp made
// both 0700) and gives it $UNPRIV and a record file of its own there.
func unprivDir(env *testscript.Env, c *cleanup) error {
	os.Chmod(filepath.Dir(env.WorkDir), 0o711)
	os.Chmod(env.WorkDir, 0o711)
	dir := filepath.Join(env.WorkDir, ".unpriv")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chown(dir, unpriv.UID, unpriv.GID); err != nil {
		return err
	}
	c.unprivTrack = filepath.Join(dir, ".shmlab-created")
	env.Setenv("UNPRIV", dir)
	env.Setenv(unpriv.TrackEnv, c.unprivTrack)
	return nil
}

// reserveKeys picks a random key block and reserves it with a message
// queue at its first key (IPC_EXCL: a block another scenario holds is
// refused, and another is tried). It returns the key and the queue's id.
func reserveKeys() (int, int, error) {
	for try := 0; try < 100; try++ {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, 0, err
		}
		key := int(0x7e000000 | (binary.LittleEndian.Uint32(b[:]) & 0x00fffff0))
		r, _, e := syscall.Syscall(unix.SYS_MSGGET, uintptr(key), unix.IPC_CREAT|unix.IPC_EXCL|0o600, 0)
		if e == unix.EEXIST {
			continue
		}
		if e != 0 {
			return 0, 0, fmt.Errorf("reserve System V keys 0x%08x: msgget: %v", key, e)
		}
		return key, int(r), nil
	}
	return 0, 0, fmt.Errorf("reserve System V keys: 100 random blocks were all taken")
}

// Condition answers the conditions scenarios may use besides testscript's own:
// [root] (this process is root), [diskfs] ($WORK is on a filesystem with
// storage behind it, not tmpfs: what msync experiments need) and
// [sysctl:NAME=VALUE] (/proc/sys/NAME, dots for slashes, holds VALUE: a
// kernel setting an outcome depends on, such as vm.overcommit_memory).
func Condition(cond string) (bool, error) {
	switch cond {
	case "root":
		return unpriv.IsRoot(), nil
	case "diskfs":
		return onDisk(os.TempDir())
	}
	if kv, ok := strings.CutPrefix(cond, "sysctl:"); ok {
		name, want, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return false, fmt.Errorf("condition %q: want sysctl:NAME=VALUE", cond)
		}
		b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
		if err != nil {
			return false, err
		}
		return strings.TrimSpace(string(b)) == want, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// Cmds are the commands scenarios may use besides testscript's own.
var Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitfile": waitfile,
	"waitgone": waitgone,
	"fact":     fact,
}

// fact NAME VAR: set the environment variable VAR to the value of the fact
// line `NAME: value` in the standard output of the last command, so a later
// command can use what an earlier one printed (a shmid, a key, a pid).
func fact(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fact NAME VAR")
	}
	prefix := args[0] + ": "
	for _, line := range strings.Split(ts.ReadFile("stdout"), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			ts.Setenv(args[1], v)
			return
		}
	}
	ts.Fatalf("fact %s: no line %q in the last command's stdout", args[0], prefix+"...")
}

// waitfile FILE [TIMEOUT]: wait until FILE exists (a background process
// writes it when it is ready), at most TIMEOUT (default 30s). This orders
// processes without sleeping a guessed time. If FILE.fail appears instead
// (the program failed before it was ready; see cli.Run), stop at once.
func waitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	limit := 30 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		limit = d
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(limit)
	for delay := time.Millisecond; ; delay = min(delay*2, 50*time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if msg, err := os.ReadFile(path + ".fail"); err == nil {
			ts.Fatalf("waitfile %s: the program failed before it was ready: %s", args[0], strings.TrimSpace(string(msg)))
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile %s: not there after %v", args[0], limit)
		}
		time.Sleep(delay)
	}
}

// waitgone PID... [TIMEOUT]: wait until every process PID has ended (it is
// gone, or a zombie nobody has reaped yet), at most TIMEOUT (default 30s)
// in all. For a process the scenario did not start itself and cannot
// `wait` for, such as the child of a killed parent. An argument may hold
// several pids separated by spaces (a fact line that listed them). On
// timeout the processes left are killed with SIGKILL, so that a failing
// scenario leaves no process behind.
func waitgone(ts *testscript.TestScript, neg bool, args []string) {
	limit := 30 * time.Second
	if n := len(args); n > 1 {
		if d, err := time.ParseDuration(args[n-1]); err == nil {
			limit, args = d, args[:n-1]
		}
	}
	var pids []int
	for _, f := range strings.Fields(strings.Join(args, " ")) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			ts.Fatalf("waitgone: %q is not a pid", f)
		}
		pids = append(pids, pid)
	}
	if neg || len(pids) == 0 {
		ts.Fatalf("usage: waitgone PID... [TIMEOUT]")
	}
	deadline := time.Now().Add(limit)
	for _, pid := range pids {
		for delay := time.Millisecond; procfs.Running(pid); delay = min(delay*2, 50*time.Millisecond) {
			if time.Now().After(deadline) {
				for _, p := range pids {
					syscall.Kill(p, syscall.SIGKILL)
				}
				ts.Fatalf("waitgone %d: still running after %v (killed it and the others now)", pid, limit)
			}
			time.Sleep(delay)
		}
	}
}

// Ungraded runs scenarios about the CLI alone (testdata/cli): usage errors,
// flag parsing. They are not part of the grade, and they check the
// reference: with -tags exercise some would meet the learner's stubs and
// fail beside the grade, so they are skipped there.
func Ungraded(t *testing.T) {
	if exercise.Built {
		t.Skip("the command-line scenarios check the reference (go test without -tags exercise); the grade is TestScripts")
	}
	testscript.Run(t, Params(filepath.Join("testdata", "cli")))
}

// TrimLines is a helper for tests that compare output: it drops trailing
// spaces and blank lines at the end.
func TrimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}
