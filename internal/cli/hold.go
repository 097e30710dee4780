//go:build linux && (amd64 || arm64)

package cli

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// HoldMax bounds how long Hold waits, so that a forgotten holder never
// outlives a test run by more than this.
const HoldMax = 2 * time.Minute

// Ready tells a waiting scenario that this process has reached the point it
// waits for: it creates path. Waiters look only at whether it exists. It is
// made with O_CREAT|O_EXCL|O_NOFOLLOW, so a file or symlink already there
// (planted in a shared directory) is refused with EEXIST, never written
// through. An empty path does nothing.
func Ready(path string) error {
	if path == "" {
		return nil
	}
	return Sys("write the ready file "+Quote(path), "open", createNew(path, "ready\n"))
}

// createNew writes text to a file that must not exist yet, never following
// a symlink.
func createNew(path, text string) error {
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return os.NewSyscallError("open", err)
	}
	f := os.NewFile(uintptr(fd), path)
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// publish makes path appear with text already in it: written under a
// temporary name, then linked into place (link(2) never follows a link at
// path, and fails if anything is there), so a reader never sees it empty.
func publish(path, text string) error {
	var b [8]byte
	rand.Read(b[:])
	tmp := fmt.Sprintf("%s.%x.tmp", path, b)
	if err := createNew(tmp, text); err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

// Quote gives a path or name as an error line shows it: as is when it is
// plain, in Go quotes when it holds a space, a control character such as a
// newline, or nothing at all.
func Quote(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' }) {
		return strconv.Quote(s)
	}
	return s
}

// Hold keeps the process (and what it has mapped or attached) alive until it
// receives SIGINT, SIGTERM or SIGHUP (testscript's `kill -INT name`), or
// HoldMax passes. It reports which as the fact `released:`; the experiment
// then goes on and cleans up as usual.
func Hold() {
	if s := waitHold(); s != nil {
		Fact("released", s)
	} else {
		Fact("released", "timeout")
	}
}

// failReady is called when an experiment fails. If it was asked to write a
// ready file (-ready FILE) and has not, it writes FILE.fail with the error,
// so that a scenario waiting for FILE (waitfile) stops at once with the
// reason instead of waiting out its timeout.
func failReady(args []string, err error) {
	for i, a := range args {
		path := ""
		if (a == "-ready" || a == "--ready") && i+1 < len(args) {
			path = args[i+1]
		} else if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "ready="); ok && strings.HasPrefix(a, "-") {
			path = v
		}
		if path == "" {
			continue
		}
		if _, serr := os.Lstat(path); serr == nil {
			return
		}
		publish(path+".fail", err.Error()+"\n") // best effort: the error line says it all
		return
	}
}
