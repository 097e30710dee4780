//go:build linux && (amd64 || arm64)

// The role of a re-executed child. SHMLAB_ANONFORK_ROLE makes this program
// act as the new program of `reexec`, which maps descriptor 3 and writes
// into it. That variable is input like any other: a value set by hand, or
// inherited by a program reexec did not start, is refused with one line and
// exit status 2 before anything is mapped or written. A genuine child
// carries "reexec:" and a one-time token, and its descriptor 3 is the
// parent's memfd with the same token written in it.

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// childMain runs a re-executed child (v is the value of envRole) and
// returns its exit status.
func childMain(v string) int {
	os.Unsetenv(envRole)
	size, err := checkChildRole(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "anonfork: %s is set (to %s) but %v: it is only for the child `anonfork reexec` starts; unset it\n",
			envRole, shortQuote(v), err)
		return 2
	}
	if err := reexecChild(size); err != nil {
		fmt.Fprintf(os.Stderr, "anonfork (child): %v\n", err)
		return 1
	}
	return 0
}

// checkChildRole checks the role and its token, then that descriptor 3 is
// reexec's memfd holding the same token (fstat, readlink, pread: nothing is
// mapped yet), and returns the memfd's size.
func checkChildRole(v string) (int64, error) {
	role, token, _ := strings.Cut(v, ":")
	if role != "reexec" {
		return 0, errors.New("names no role of this program")
	}
	if len(token) != tokenLen || strings.Trim(token, "0123456789abcdef") != "" {
		return 0, errors.New("carries no valid token")
	}
	var st unix.Stat_t
	if err := unix.Fstat(3, &st); err != nil {
		return 0, fmt.Errorf("descriptor 3 is not open (fstat: %s)", cli.OutcomeOr(err, "ok"))
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, errors.New("descriptor 3 is not a regular file")
	}
	want := "/memfd:" + memfdReexec + " (deleted)"
	if link, _ := os.Readlink("/proc/self/fd/3"); link != want {
		return 0, fmt.Errorf("descriptor 3 is %s, not %s", cli.Quote(link), want)
	}
	if st.Size < offReexecToken+tokenLen {
		return 0, fmt.Errorf("descriptor 3 holds %d bytes, fewer than the %d of reexec's memfd", st.Size, offReexecToken+tokenLen)
	}
	buf := make([]byte, tokenLen)
	if n, err := unix.Pread(3, buf, offReexecToken); err != nil || n != tokenLen || string(buf) != token {
		return 0, errors.New("descriptor 3 does not hold its token")
	}
	return st.Size, nil
}

// shortQuote quotes a value for an error line, cut to 64 bytes.
func shortQuote(v string) string {
	if len(v) > 64 {
		return strconv.Quote(v[:64]) + "..."
	}
	return strconv.Quote(v)
}
