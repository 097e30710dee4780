//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSysErrorNamesTheErrno(t *testing.T) {
	err := Sys("open /x", "open", unix.ENOENT)
	if got, want := err.Error(), "open /x: open: ENOENT (no such file or directory)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Error("errors.Is(err, ENOENT) is false")
	}
	if Sys("x", "y", nil) != nil {
		t.Error("Sys(nil) is not nil")
	}
}

// TestWithHints: a SysError without a hint gets the one for its errno; one
// with a hint, and other errors, are left as they are.
func TestWithHints(t *testing.T) {
	hints := map[syscall.Errno]string{syscall.ENOENT: "make it first"}
	err := WithHints(Sys("open x", "open", syscall.ENOENT), hints)
	if got, want := err.Error(), "open x: open: ENOENT: make it first"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = WithHints(SysHint("open x", "open", syscall.ENOENT, "mine"), hints)
	if got, want := err.Error(), "open x: open: ENOENT: mine"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = WithHints(Sys("open x", "open", syscall.EACCES), hints)
	if got, want := err.Error(), "open x: open: EACCES (permission denied)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := WithHints(errors.New("plain"), hints); err.Error() != "plain" {
		t.Errorf("a plain error changed: %v", err)
	}
}
