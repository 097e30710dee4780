//go:build linux && (amd64 || arm64)

package procfs

import (
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRunning: Running's look at /proc/PID/stat: this process runs; a child that
// has exited but is not reaped (a zombie) does not; a reaped one is gone.
func TestRunning(t *testing.T) {
	if !Running(os.Getpid()) {
		t.Fatal("Running(self) = false")
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
	if Running(pid) {
		t.Errorf("Running(zombie %d) = true", pid)
	}
	cmd.Wait()
	if Running(pid) {
		t.Errorf("Running(reaped %d) = true", pid)
	}
}
