//go:build linux && (amd64 || arm64)

package scripttest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { Main(m, nil) }

func TestPlumbing(t *testing.T) {
	testscript.Run(t, Params("testdata/script"))
}

func TestGORACESet(t *testing.T) {
	if os.Getenv("GORACE") == "" {
		t.Error("Main did not set GORACE")
	}
}

// TestRunning: waitgone's look at /proc: this process runs; a child that
// has exited but is not reaped (a zombie) does not; a reaped one is gone.
func TestRunning(t *testing.T) {
	if !running(os.Getpid()) {
		t.Fatal("running(self) = false")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start true:", err)
	}
	pid := cmd.Process.Pid
	// Wait for the exit without reaping (WNOWAIT): the child is a zombie now.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal("waitid:", err)
	}
	if running(pid) {
		t.Errorf("running(zombie %d) = true", pid)
	}
	cmd.Wait()
	if running(pid) {
		t.Errorf("running(reaped %d) = true", pid)
	}
}
