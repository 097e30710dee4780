//go:build linux && (amd64 || arm64)

package cli

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Made registers undo, which removes an object this process has just made
// (a segment, a semaphore set, a /dev/shm file), so that it is removed even
// if the process is interrupted (SIGINT, SIGTERM, SIGHUP, or SIGPIPE when a
// reader such as `head` goes away) before the experiment removes it itself.
// It returns the function the experiment calls to remove it: that runs undo
// once, whoever asks first, and returns when it has run. Typical use:
//
//	id, err := Get(IPC_PRIVATE, size, 0600)
//	...
//	defer cli.Made(func() { Remove(id) })()
//
// Interrupted, the program runs every registered undo (the newest first),
// prints one line naming the signal, and exits with 128+signal, as a shell
// reports it; from then on no goroutine of the experiment goes on, and no
// other exit happens first. Objects handed to the user on purpose (`sysv
// create`) are not registered: they are the point of the command.
func Made(undo func()) (remove func()) {
	h := &interrupts
	e := &entry{undo: undo}
	h.mu.Lock()
	if h.exiting {
		h.mu.Unlock()
		e.run()
		select {} // the handler exits the process
	}
	h.start()
	id := h.next
	h.next++
	h.entries[id] = e
	h.mu.Unlock()
	return func() {
		e.run()
		h.mu.Lock()
		delete(h.entries, id)
		exiting := h.exiting
		h.mu.Unlock()
		if exiting {
			select {} // the handler undoes the rest and exits
		}
	}
}

// entry is one registered undo; run runs it once, and a second caller
// waits until the first has finished.
type entry struct {
	once sync.Once
	undo func()
}

func (e *entry) run() { e.once.Do(e.undo) }

// interruptHandler is the one handler of SIGINT, SIGTERM, SIGHUP and
// SIGPIPE: it hands the signal to a Hold that waits for it, and otherwise
// undoes what was made and exits.
type interruptHandler struct {
	mu      sync.Mutex
	started bool
	next    int
	entries map[int]*entry
	hold    chan os.Signal // non-nil while Hold waits
	exiting bool           // the handler is undoing and exiting
}

var interrupts = interruptHandler{entries: map[int]*entry{}}

// start installs the handler, once. Call it with h.mu held.
func (h *interruptHandler) start() {
	if h.started {
		return
	}
	h.started = true
	ch := make(chan os.Signal, 1)
	// With SIGPIPE caught, a write to a closed pipe fails with EPIPE
	// instead of killing the program before it cleans up.
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		for s := range ch {
			h.mu.Lock()
			if h.hold != nil && s != syscall.SIGPIPE {
				h.hold <- s // Hold returns; the experiment cleans up as usual
				h.hold = nil
				h.mu.Unlock()
				continue
			}
			h.mu.Unlock()
			h.exit(s.(syscall.Signal))
		}
	}()
}

// exit undoes every registered object, newest first, and ends the process
// as the signal would have.
func (h *interruptHandler) exit(sig syscall.Signal) {
	h.mu.Lock()
	h.exiting = true // from now on Made and its removers undo and stop
	ids := make([]int, 0, len(h.entries))
	for id := range h.entries {
		ids = append(ids, id)
	}
	entries := make([]*entry, 0, len(ids))
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	for _, id := range ids {
		entries = append(entries, h.entries[id])
	}
	h.mu.Unlock()
	for _, e := range entries {
		e.run() // waits for one the experiment is running itself
	}
	fmt.Fprintf(Stderr, "%s: interrupted by %s: removed the %d object(s) it had made\n",
		filepath.Base(os.Args[0]), unix.SignalName(sig), len(entries))
	os.Exit(128 + int(sig))
}

// exitUnlessInterrupted is os.Exit, unless the handler is exiting: then it
// waits for the handler, so the process ends with its status, after every
// undo has run.
func exitUnlessInterrupted(status int) {
	h := &interrupts
	h.mu.Lock()
	exiting := h.exiting
	h.mu.Unlock()
	if exiting {
		select {}
	}
	os.Exit(status)
}

// waitHold waits for SIGINT or SIGTERM (or SIGHUP) on behalf of Hold, at
// most HoldMax, through the one handler. It returns the signal, or nil on
// timeout.
func waitHold() os.Signal {
	h := &interrupts
	ch := make(chan os.Signal, 1)
	h.mu.Lock()
	h.start()
	h.hold = ch
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if h.hold == ch {
			h.hold = nil
		}
		h.mu.Unlock()
	}()
	select {
	case s := <-ch:
		return s
	case <-time.After(HoldMax):
		return nil
	}
}
