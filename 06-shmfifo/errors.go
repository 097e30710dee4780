//go:build linux && (amd64 || arm64)

// How the FIFO experiments report what the lesson returned: what was tried
// (with the key), the step of put or get that failed, the call, the errno
// symbol, and what to do about it:
//
//	shmfifo: get from FIFO key 0x7e001230: wait for a filled block: semtimedop: EAGAIN: nothing within 100ms

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// stepError names the step of put or get an error comes from: the lesson
// returns the kernel's error alone, and the experiment wraps the FIFO's
// semaphores (nameSteps) to learn which one it was.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &stepError{name, err}
}

// stepSem and stepLock are a semaphore and the mutex whose errors say
// which of the FIFO's three they come from.
type stepSem struct {
	s          semaphore
	wait, post string
}

func (s stepSem) Wait(t time.Duration) error { return step(s.wait, s.s.Wait(t)) }
func (s stepSem) Post() error                { return step(s.post, s.s.Post()) }

type stepLock struct{ l locker }

func (l stepLock) Lock(t time.Duration) error { return step("wait for the mutex", l.l.Lock(t)) }
func (l stepLock) Unlock() error              { return step("release the mutex", l.l.Unlock()) }

// openFifo opens the FIFO at key for an experiment: errors as a program
// prints them, and the steps of Put and Get named.
func openFifo(key int) (*Fifo, error) {
	f, err := Open(key)
	if err != nil {
		return nil, openErr(key, err)
	}
	f.checkCounts = true
	if !f.SPSC {
		f.free = stepSem{f.free, "wait for a free block", "count the free block"}
		f.filled = stepSem{f.filled, "wait for a filled block", "count the filled block"}
		f.mutex = stepLock{f.mutex}
	}
	return f, nil
}

// openErr is the error line of a failed Open.
func openErr(key int, err error) error {
	k := KeyString(key)
	what := "open FIFO key " + k
	if callOf(err) == "shmat" {
		what = "attach FIFO key " + k
	}
	hint := ""
	switch call, errno := callOf(err), errnoOf(err); {
	case call == "shmget" && errno == unix.ENOENT && setsAt(key) == [3]int{1, 1, 1}:
		hint = "no segment, but the three semaphore sets of a FIFO are there (shmfifo destroy -key " + k + " removes them)"
	case call == "shmget" && errno == unix.ENOENT:
		hint = "no FIFO with this key (make one: shmfifo init -key " + k + " -blksize N -blocks M)"
	case call == "shmget" && errno == unix.EACCES:
		hint = "its mode does not let this user in (ipcs -m shows the owner and mode)"
	case call == "shmat" && errno == unix.EACCES:
		// shmget(key, 0, 0) asks for no access, so it checks none.
		hint = "the segment's mode does not let this user read and write it (ipcs -m shows owner and mode)"
	case call == "semget" && errno == unix.ENOENT:
		hint = "not a FIFO: a segment with neither the three semaphore sets nor a posix sync area (a FIFO half made? shmfifo destroy -force -key " + k + ")"
	case errors.Is(err, ErrCorrupt):
		return fmt.Errorf("%s: %s", what, notFifoReason(err)) // a header that does not fit
	}
	return cli.SysHint(what, "shmget", err, hint)
}

// fifoErr is the error line of a failed put or get (verb "put" or "get").
// Errors that are no system call's (a corrupt header) pass as they are.
func fifoErr(f *Fifo, verb string, err error, timeout time.Duration) error {
	var ce *ClaimError
	if errors.As(err, &ce) {
		return cli.SysHint(fmt.Sprintf("%s of FIFO key %s", ce.Role, KeyString(f.Key)), "claim", unix.EBUSY, ce.Error())
	}
	what, block := "get from FIFO key "+KeyString(f.Key), "filled"
	if verb == "put" {
		what, block = "put into FIFO key "+KeyString(f.Key), "free"
	}
	if errnoOf(err) == 0 {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrInconsistent) {
			return fmt.Errorf("%s: %s", what, stateReason(err))
		}
		return err
	}
	var se *stepError
	switch {
	case errors.As(err, &se):
		what += ": " + se.step
	case f.SPSC && isWaitErr(err):
		what += ": wait for a " + block + " block" // the ring waits in one place only
	}
	return cli.WithHints(cli.Sys(what, "semop", err), waitHints(timeout))
}

// isWaitErr reports whether err is how a wait ends without what it waited
// for: no time left, or the FIFO destroyed.
func isWaitErr(err error) bool {
	switch errnoOf(err) {
	case unix.EAGAIN, unix.ETIMEDOUT, unix.EIDRM, unix.EINVAL:
		return true
	}
	return false
}

// waitHints says what the errors of a wait mean.
func waitHints(timeout time.Duration) map[syscall.Errno]string {
	late := fmt.Sprintf("nothing within %v", timeout)
	if timeout == 0 {
		late = "it would have to wait, and -timeout 0 does not"
	}
	return map[syscall.Errno]string{
		unix.EAGAIN: late, unix.ETIMEDOUT: late,
		unix.EIDRM: "the FIFO was destroyed", unix.EINVAL: "the FIFO was destroyed",
		unix.EBUSY: "the mutex is held, and -timeout 0 does not wait",
	}
}

// callOf is the system call an error names ("" if none).
func callOf(err error) string {
	var sc *os.SyscallError
	if errors.As(err, &sc) {
		return sc.Syscall
	}
	return ""
}

// errnoOf is the errno an error carries (0 if none).
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	errors.As(err, &e)
	return e
}
