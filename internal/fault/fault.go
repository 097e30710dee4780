//go:build linux && (amd64 || arm64)

// Package fault runs a memory access that may fault in a child process, so
// that a SIGBUS or SIGSEGV becomes a fact ("fault: SIGBUS at offset 4096")
// instead of the end of the program.
//
// Why a child: Go's runtime turns a fault into a panic or a fatal error, and
// under debug.SetPanicOnFault both signals look the same. A child that resets
// both signals to their default action is killed by the real signal, and its
// parent reads the signal from the wait status, the way a shell does.
//
// The child is the same program, re-executed with the probe's name in the
// environment. A probe recreates the situation (opens, maps, protects) and
// announces each access on a pipe before making it, so the parent knows the
// offset of the access that killed it.
package fault

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

const envProbe = "SHMLAB_FAULT_PROBE"

// probeArg0 starts the first argument of a probe child; a token follows.
const probeArg0 = "shmlab-fault-probe:"

// A Probe runs in the child. It returns an error if it could not set up the
// access (that is a failure, not a fault).
type Probe func(args []string) error

var probes = map[string]Probe{}

// Register makes a probe available to Run. Call it from an init function or
// before Main.
func Register(name string, p Probe) { probes[name] = p }

// Main must be called at the start of main (cli.Main does it). In a probe
// child it runs the probe and exits; otherwise it returns at once.
func Main() {
	v, set := os.LookupEnv(envProbe)
	if !set {
		return
	}
	os.Unsetenv(envProbe)
	// A probe child is started by run with a one-time token both in its
	// environment and as its first argument (argv[0] stays the program's
	// name: testscript picks the command by it); a variable set by hand, or
	// inherited by another program, has no such argument and is refused.
	name, token, _ := strings.Cut(v, ":")
	p := probes[name]
	if len(token) < 16 || len(os.Args) < 2 || os.Args[1] != probeArg0+token || p == nil {
		fmt.Fprintf(os.Stderr, "%s: %s is set (to %q): it is only for the lab's own fault probe children; unset it\n",
			filepath.Base(os.Args[0]), envProbe, v)
		os.Exit(2)
	}
	// No core file for a fault we provoke on purpose.
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	for _, sig := range []syscall.Signal{unix.SIGSEGV, unix.SIGBUS} {
		if err := sigDefault(sig); err != nil {
			fmt.Fprintf(os.Stderr, "fault probe %s: rt_sigaction: %v\n", name, err)
			os.Exit(1)
		}
	}
	if err := runProbe(p, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1) // the parent reports what it printed
	}
	os.Exit(0)
}

// runProbe runs p. A stub that has no error to return panics with an
// unfinished exercise (exercise.TodoError): that is the probe's error, one
// line like any other, not a stack trace. Other panics are bugs and go on.
func runProbe(p Probe, args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok || !errors.Is(e, exercise.ErrExercise) {
				panic(r)
			}
			err = e
		}
	}()
	return p(args)
}

// sigDefault sets the action of sig to SIG_DFL with a raw rt_sigaction, behind
// the runtime's back: os/signal cannot give a synchronous signal back to the
// kernel. A zeroed kernel sigaction is SIG_DFL, no flags, empty mask.
func sigDefault(sig syscall.Signal) error {
	var act [4]uint64
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

var sink byte

// announce tells the parent, through descriptor 3, which access comes next.
func announce(op string, off int) {
	// The process is about to die on purpose: a non-dumpable process leaves
	// no core dump whatever core_pattern says.
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	unix.Write(3, []byte(op+" "+strconv.Itoa(off)+"\n"))
}

// Read reads b[off] in a probe, after telling the parent.
func Read(b []byte, off int) byte {
	announce("read", off)
	sink = b[off]
	return sink
}

// Write writes v to b[off] in a probe, after telling the parent.
func Write(b []byte, off int, v byte) {
	announce("write", off)
	b[off] = v
}

// Result is what a probe child did.
type Result struct {
	Signal syscall.Signal // the signal that killed it, or 0 if it exited
	Op     string         // "read" or "write": the last access announced
	Offset int            // its offset
	Output string         // what the child printed
}

// Faulted reports whether the child was killed by a signal.
func (r Result) Faulted() bool { return r.Signal != 0 }

// String is the value of a `fault:` fact: "SIGBUS at offset 4096" or "none".
func (r Result) String() string {
	if r.Signal == 0 {
		return "none"
	}
	return fmt.Sprintf("%s at offset %d", unix.SignalName(r.Signal), r.Offset)
}

// Run runs the named probe in a child process with args and waits for it.
// A child that exits non-zero (its probe failed) is an error carrying what it
// printed; a child killed by a signal is a Result with Signal set.
func Run(name string, args ...string) (Result, error) {
	return run(name, false, args)
}

// RunUnprivileged is Run with the child as uid/gid 65534 when this process is
// root (root bypasses permission bits and memory-lock limits), and as the
// current user otherwise.
func RunUnprivileged(name string, args ...string) (Result, error) {
	return run(name, os.Geteuid() == 0, args)
}

func run(name string, drop bool, args []string) (Result, error) {
	if probes[name] == nil {
		return Result{}, fmt.Errorf("fault probe %q: not registered", name)
	}
	// The child execs this very program through a descriptor: after a
	// change of user it could not search the directory `go run` or `go test`
	// built it in.
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		return Result{}, err
	}
	defer exe.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	var tok [12]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return Result{}, err
	}
	token := hex.EncodeToString(tok[:])
	var out bytes.Buffer
	cmd := &exec.Cmd{
		Path:        "/proc/self/fd/4", // ExtraFiles[1] in the child
		Args:        append([]string{os.Args[0], probeArg0 + token}, args...),
		Env:         append(os.Environ(), envProbe+"="+name+":"+token),
		Stdout:      &out,
		Stderr:      &out,
		ExtraFiles:  []*os.File{w, exe},
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	if drop {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return Result{}, fmt.Errorf("fault probe %s: start: %w", name, err)
	}
	var res Result
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		op, off, _ := strings.Cut(sc.Text(), " ")
		res.Op = op
		res.Offset, _ = strconv.Atoi(off)
	}
	err = cmd.Wait()
	res.Output = out.String()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = ws.Signal()
			return res, nil
		}
		return res, errors.New(strings.TrimSpace(res.Output))
	}
	return res, err
}

// Names lists the registered probes (for tests of the plumbing).
func Names() []string {
	var n []string
	for k := range probes {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// ReadInChild reads up to n bytes at the start of path with read(2) in a
// child process and returns them: proof that another process sees the same
// file contents, without mapping it.
func ReadInChild(path string, n int) (string, error) {
	res, err := Run(readProbe, path, strconv.Itoa(n))
	if err != nil {
		return "", err
	}
	if res.Faulted() {
		return "", fmt.Errorf("read %s in a child: killed by %s", path, unix.SignalName(res.Signal))
	}
	return res.Output, nil
}

const readProbe = "shmlab-read"

func init() {
	Register(readProbe, func(args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("%s: want PATH N", readProbe)
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 || n > 1<<20 {
			return fmt.Errorf("%s: bad length %q", readProbe, args[1])
		}
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		buf := make([]byte, n)
		k, err := f.Read(buf) // one read(2), no mapping
		if err != nil && k == 0 {
			return err
		}
		os.Stdout.Write(buf[:k])
		return nil
	})
}
