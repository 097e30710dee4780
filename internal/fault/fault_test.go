//go:build linux && (amd64 || arm64)

package fault

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	Register("test-segv", func(args []string) error {
		b, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return err
		}
		Read(b, 0)
		Write(b, 8, 1) // PROT_READ: SIGSEGV here
		return nil
	})
	Register("test-ok", func(args []string) error {
		os.Stdout.WriteString("fine " + args[0])
		return nil
	})
	Main()
	os.Exit(m.Run())
}

func TestFaultIsReported(t *testing.T) {
	res, err := Run("test-segv")
	if err != nil {
		t.Fatal(err)
	}
	if res.Signal != syscall.SIGSEGV || res.Op != "write" || res.Offset != 8 {
		t.Errorf("got %+v", res)
	}
	if res.String() != "SIGSEGV at offset 8" {
		t.Errorf("String() = %q", res.String())
	}
}

func TestNoFault(t *testing.T) {
	res, err := Run("test-ok", "x")
	if err != nil || res.Faulted() || res.Output != "fine x" {
		t.Errorf("got %+v, %v", res, err)
	}
	if _, err := Run("nosuch"); err == nil {
		t.Error("an unregistered probe ran")
	}
}

// A probe name in the environment of a program not started by run (set by
// hand, or inherited) is refused in one line: it never runs a probe on the
// program's own arguments.
func TestStrayProbeVariableIsRefused(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"test-ok", "test-ok:0123456789abcdef0123", "nosuch:x"} {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), envProbe+"="+v)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(string(out), "\n") != 1 ||
			!strings.Contains(string(out), "only for the lab's own fault probe children") {
			t.Errorf("%s=%s: %v, output %q; want exit 2 and one line", envProbe, v, err, out)
		}
	}
}
