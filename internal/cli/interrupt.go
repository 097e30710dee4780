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
// if the process is interrupted (SIGINT, SIGTERM or SIGHUP) before the
// experiment removes it itself. It returns the function the experiment calls
// to remove it: that runs undo once and forgets it. Typical use:
//
//	id, err := Get(IPC_PRIVATE, size, 0600)
//	...
//	defer cli.Made(func() { Remove(id) })()
//
// Interrupted, the program runs every registered undo (the newest first),
// prints one line naming the signal, and exits with 128+signal, as a shell
// reports it. Objects handed to the user on purpose (`sysv create`) are not
// registered: they are the point of the command.
func Made(undo func()) (remove func()) {
	h := &interrupts
	h.mu.Lock()
	if h.exiting {
		// The handler is undoing everything and about to exit: undo this
		// one too, and do no more work on this goroutine.
		h.mu.Unlock()
		undo()
		select {}
	}
	defer h.mu.Unlock()
	h.start()
	id := h.next
	h.next++
	h.undos[id] = undo
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			u, ok := h.undos[id]
			delete(h.undos, id)
			h.mu.Unlock()
			if ok {
				u()
			}
		})
	}
}

// interruptHandler is the one handler of SIGINT, SIGTERM and SIGHUP: it
// hands the signal to a Hold that waits for it, and otherwise undoes what
// was made and exits.
type interruptHandler struct {
	mu      sync.Mutex
	started bool
	next    int
	undos   map[int]func()
	hold    chan os.Signal // non-nil while Hold waits
	exiting bool           // the handler is undoing and exiting
}

var interrupts = interruptHandler{undos: map[int]func(){}}

// start installs the handler, once. Call it with h.mu held.
func (h *interruptHandler) start() {
	if h.started {
		return
	}
	h.started = true
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for s := range ch {
			h.mu.Lock()
			if h.hold != nil {
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
	h.exiting = true // from now on, Made undoes at once (see Made)
	ids := make([]int, 0, len(h.undos))
	for id := range h.undos {
		ids = append(ids, id)
	}
	undos := h.undos
	h.undos = map[int]func(){}
	h.mu.Unlock()
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	for _, id := range ids {
		undos[id]()
	}
	fmt.Fprintf(Stderr, "%s: interrupted by %s: removed the %d object(s) it had made\n",
		filepath.Base(os.Args[0]), unix.SignalName(sig), len(ids))
	os.Exit(128 + int(sig))
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
