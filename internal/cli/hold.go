//go:build linux && (amd64 || arm64)

package cli

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// HoldMax bounds how long Hold waits, so that a forgotten holder never
// outlives a test run by more than this.
const HoldMax = 2 * time.Minute

// Ready tells a waiting scenario that this process has reached the point it
// waits for: it writes path atomically (a temporary file renamed into place),
// so a reader never sees it half written. An empty path does nothing.
func Ready(path string) error {
	if path == "" {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte("ready\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Hold keeps the process (and what it has mapped or attached) alive until it
// receives SIGINT or SIGTERM (testscript's `kill -INT name`), or HoldMax
// passes. It reports which as the fact `released:`.
func Hold() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(ch)
	select {
	case s := <-ch:
		Fact("released", s)
	case <-time.After(HoldMax):
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
		if _, serr := os.Stat(path); serr == nil {
			return
		}
		os.WriteFile(path+".fail", []byte(err.Error()+"\n"), 0o644)
		return
	}
}
