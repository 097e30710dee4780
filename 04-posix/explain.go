//go:build linux && (amd64 || arm64)

// How the experiments report what the lesson returned: what was tried, on
// which object, the call and its errno (as the lesson gave them), and what
// to do about it.

package main

import (
	"errors"
	"fmt"
	"syscall"

	"shmlab/internal/cli"
)

// hints says what to do about an error, keyed "CALL ERRNO" ("open EINVAL")
// where the call matters, or "ERRNO" alone.
type hints map[string]string

// explain turns the bare error of a lesson function into the one line the
// program prints: `WHAT: CALL: ERRNO: hint`. call names the call when the
// lesson returned an errno alone. An error with no errno (a plain error of
// the lesson, an unfinished exercise) gets only what was tried in front.
func explain(what, call string, err error, h hints) error {
	if err == nil {
		return nil
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("%s: %w", what, err)
	}
	err = cli.Sys(what, call, err)
	var se *cli.SysError
	if errors.As(err, &se) && se.Hint == "" {
		name := cli.ErrnoName(se.Errno)
		if se.Hint = h[se.Call+" "+name]; se.Hint == "" {
			se.Hint = h[name]
		}
	}
	return err
}

// shmErr reports a failed call on a shared memory object.
func shmErr(what, call string, err error) error { return explain(what, call, err, shmHints) }

// semErr reports a failed call on a named semaphore.
func semErr(what, call string, err error) error { return explain(what, call, err, semHints) }

const (
	nameRule = `a name is "/" and then a file name: not empty, no other "/"`
	sticky   = "not yours: " + ShmDir + " is sticky (1777), so only the owner may remove it (unlink said EPERM, glibc says EACCES)"
)

var shmHints = hints{
	"shm_open EINVAL":   nameRule + ", at most 255 bytes",
	"open EINVAL":       "a directory has that name in " + ShmDir + " (glibc reports open's EISDIR as EINVAL)",
	"shm_unlink ENOENT": "glibc reports a name it refuses as ENOENT",
	"unlink EACCES":     sticky,
	"ENOENT":            "no object has that name (ls /dev/shm lists them; posix create NAME makes one)",
	"EEXIST":            "an object has that name (drop -excl, or remove it: posix unlink NAME)",
	"open EACCES":       "its mode bits do not give you this access (posix stat NAME shows them)",
	"mmap EACCES":       "the descriptor's access mode does not allow this protection",
	"ELOOP":             "a symlink has that name in " + ShmDir + ", and shm_open adds O_NOFOLLOW: it never follows one",
	"ENODEV":            "that name is not a shared memory object that can be mapped (a directory?)",
}

var semHints = hints{
	"sem_open EINVAL":   nameRule + ", at most 251 bytes",
	"sem_unlink ENOENT": "glibc reports a name it refuses as ENOENT",
	"unlink EACCES":     sticky,
	"ENOENT":            "no semaphore has that name (ls /dev/shm/sem.*; posix sem create NAME makes one)",
	"EEXIST":            "a semaphore has that name (drop -excl, or remove it: posix sem unlink NAME)",
	"EACCES":            "its mode bits do not give you read and write, which every semaphore operation needs",
	"ELOOP":             "a symlink has that name in " + ShmDir + ", and sem_open never follows one (O_NOFOLLOW)",
	"EAGAIN":            "the value is 0: no token to take (sem_wait would sleep)",
	"ETIMEDOUT":         "no token was posted in time",
	"EOVERFLOW":         fmt.Sprintf("the value is SEM_VALUE_MAX (%d) already", SemValueMax),
}
