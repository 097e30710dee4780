//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The child side of TestInterruptUndoes: it makes two "objects" (files),
// removes one itself, and waits to be interrupted.
func TestInterruptChild(t *testing.T) {
	dir := os.Getenv("SHMLAB_TEST_INTERRUPT_DIR")
	if dir == "" {
		t.Skip("run by TestInterruptUndoes")
	}
	var out strings.Builder
	Stderr = &out
	for _, name := range []string{"a", "b"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, nil, 0o600)
		rm := Made(func() { os.Remove(p); os.WriteFile(p+".undone", nil, 0o600) })
		if name == "a" {
			rm() // removed by the experiment itself: not undone again
		}
	}
	os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600)
	go func() {
		time.Sleep(10 * time.Second)
		os.Exit(3)
	}()
	select {}
}

func TestInterruptUndoes(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptChild$")
	cmd.Env = append(os.Environ(), "SHMLAB_TEST_INTERRUPT_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			break
		}
		if i > 500 {
			cmd.Process.Kill()
			t.Fatal("child never ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("child: %v, want exit %d", err, 128+int(syscall.SIGTERM))
	}
	for name, want := range map[string]bool{"a": false, "a.undone": true, "b": false, "b.undone": true} {
		_, err := os.Stat(filepath.Join(dir, name))
		if (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", name, err == nil, want)
		}
	}
}
