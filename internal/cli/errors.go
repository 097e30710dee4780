//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// SysError is a failed system call, told the way TLPI's errExit does: what was
// attempted, the call, the errno symbol, and what to do about it.
type SysError struct {
	What  string        // what was attempted, with the object: "map /tmp/f"
	Call  string        // the system call or library function: "mmap"
	Errno syscall.Errno // the error number the kernel returned
	Hint  string        // optional: what the reader can do
}

func (e *SysError) Error() string {
	if blankProse {
		return fmt.Sprintf("%s: %s", e.Call, ErrnoName(e.Errno))
	}
	s := fmt.Sprintf("%s: %s: %s", e.What, e.Call, ErrnoName(e.Errno))
	if e.Hint != "" {
		s += ": " + e.Hint
	} else {
		s += " (" + e.Errno.Error() + ")"
	}
	return s
}

// Unwrap exposes the errno so that errors.Is(err, unix.ENOENT) works.
func (e *SysError) Unwrap() error { return e.Errno }

// Sys is how an experiment reports what a lesson function returned: it adds
// what was tried (with the object) to the bare error of the lesson. The
// lesson returns os.NewSyscallError(call, errno), or the errno alone; the
// call named there wins over call, which names it when the lesson did not.
// An error that is already a SysError passes unchanged; one that carries no
// errno (a Go-level error, an unfinished exercise) is wrapped as is. A nil
// err gives nil.
func Sys(what, call string, err error) error {
	return SysHint(what, call, err, "")
}

// SysHint is Sys with a hint for the reader.
func SysHint(what, call string, err error, hint string) error {
	if err == nil {
		return nil
	}
	var se *SysError
	if errors.As(err, &se) || errors.Is(err, exercise.ErrExercise) {
		return err // told already; an unfinished exercise says so alone
	}
	var sc *os.SyscallError
	if errors.As(err, &sc) && sc.Syscall != "" {
		call = sc.Syscall
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &SysError{What: what, Call: call, Errno: errno, Hint: hint}
	}
	if sc != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %s: %w", what, call, err)
}

// ErrnoName gives the symbol of an errno ("ENOENT"), or its number when the
// symbol is unknown.
func ErrnoName(e syscall.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// UsageError is a mistake on the command line: reported with the usage line,
// exit status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// WithHints gives a SysError that has no hint yet the one hints holds for
// its errno, so that each program says what to do about the errors of its
// own objects. Other errors, and SysErrors with a hint, pass unchanged.
func WithHints(err error, hints map[syscall.Errno]string) error {
	var se *SysError
	if errors.As(err, &se) && se.Hint == "" {
		se.Hint = hints[se.Errno]
	}
	return err
}

// Outcome is the value of a fact about a call that may fail: "ok" for nil,
// the errno symbol ("EINVAL") for a failed system call, the error's text
// otherwise.
func Outcome(err error) string { return OutcomeOr(err, "ok") }

// OutcomeOr is Outcome with the word to print on success.
func OutcomeOr(err error, ok string) string {
	if err == nil {
		return ok
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return ErrnoName(e)
	}
	return err.Error()
}
