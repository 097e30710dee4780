//go:build linux && (amd64 || arm64)

// The mechanisms of `shmfifo bench`, set up between this process (the
// producer) and its peer (peer.go): how each side sends and receives, what
// the peer is handed, and what to undo afterwards. The ceilings (a spin
// ring, a cache line) are in ceiling.go, the message queues in msgqueue.go.

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// link is a mechanism set up between this process and its peer: how this
// side sends (and, for ping-pong, receives), what the peer is handed
// (environment, descriptors from linkFd on), and what to undo afterwards.
type link struct {
	send, recv func([]byte) error
	env        []string
	files      []*os.File // the peer's ends: closed here once it has them
	cleanup    []func()   // undone by close, the newest first
	aborts     []func()   // what wakes this side if the peer dies mid-run
	fifos      []*Fifo    // shmfifo mechanisms: their futex counters
	chunk      int        // message queues: bytes per system message
	pipeCap    int
	copies     int  // times each byte is copied from the sender's buffer to the receiver's
	local      bool // no peer: the row runs in this process alone (memcpy)
	noFutex    bool // no futex words at all: futex/msg is 0, not "not counted"
}

func (l *link) close() {
	l.handedOver()
	for i := len(l.cleanup) - 1; i >= 0; i-- {
		l.cleanup[i]()
	}
	l.cleanup = nil
}

// handedOver closes this process's copies of the peer's ends, so that the
// peer's death is seen here (EOF, EPIPE) instead of a wait for ever.
func (l *link) handedOver() {
	for _, f := range l.files {
		f.Close()
	}
	l.files = nil
}

// abort wakes a send or a receive that waits on a peer that died: the
// FIFOs are destroyed (their waiters get EIDRM), the queue removed, the
// spinning stopped.
func (l *link) abort() {
	for _, a := range l.aborts {
		a()
	}
}

// futexCalls is what the link's FIFOs counted so far, -1 for the course's
// FIFO (System V semaphores, no futex words) and for the other mechanisms
// (0 for those with no futex words at all).
func (l *link) futexCalls() float64 {
	if l.noFutex {
		return 0
	}
	if len(l.fifos) == 0 || l.fifos[0].Sync != "posix" {
		return -1
	}
	var n uint64
	for _, f := range l.fifos {
		n += f.futexCalls().Total()
	}
	return float64(n)
}

// transferLink sets up mech for messages of size bytes, one way.
func transferLink(mech string, size int) (*link, error) {
	switch mech {
	case "shmfifo", "shmfifo-psem", "shmfifo-posix":
		return fifoLink(mech, size, benchRing(size), 1)
	case "pipe":
		return pipeLink(size, 1)
	case "unix-stream":
		return socketLink()
	case "sysv-msg":
		return sysvMsgLink(size)
	case "posix-mq":
		return posixMqLink(size)
	case "memcpy":
		return memcpyLink(size), nil
	case "spin-ring":
		return spinRingLink(size, benchRing(size), 1)
	}
	return nil, fmt.Errorf("bench: unknown mechanism %q", mech)
}

// fifoLink makes n FIFOs of the mechanism's kind at free keys; the first
// carries messages to the peer, the second (ping-pong) back. Each is
// destroyed also if the program is interrupted (cli.Made).
func fifoLink(mech string, size, blocks, n int) (*link, error) {
	l := &link{chunk: size, copies: 2}
	for i := range n {
		f, err := privateFifo(fifoSync[mech], size, blocks)
		if err != nil {
			l.close()
			return nil, err
		}
		remove := cli.Made(func() { Destroy(f.Key) })
		l.cleanup = append(l.cleanup, func() { f.Close(); remove() })
		l.aborts = append(l.aborts, remove)
		l.fifos = append(l.fifos, f)
		l.env = append(l.env, fmt.Sprintf("BENCH_KEY%d=%d", i, f.Key))
	}
	l.send = func(b []byte) error { return l.fifos[0].Send(b, Forever) }
	if n > 1 {
		l.recv = func(b []byte) error { return l.fifos[1].Receive(b, Forever) }
	}
	return l, nil
}

// pipeLink makes n pipes; the peer gets the read end of the first and the
// write end of the second (ping-pong). Each pipe is given the capacity of
// the FIFO of the same row. Both sides use them as a C program would: in
// blocking mode (Fd turns Go's poller off), one write(2) and read(2) each.
func pipeLink(size, n int) (*link, error) {
	l := &link{chunk: size, copies: 2}
	var ends [2][2]*os.File
	for i := range n {
		pr, pw, err := os.Pipe()
		if err != nil {
			l.close()
			return nil, cli.Sys("bench: make a pipe", "pipe2", err)
		}
		pr.Fd()
		pw.Fd()
		l.cleanup = append(l.cleanup, func() { pr.Close(); pw.Close() })
		ends[i] = [2]*os.File{pr, pw}
	}
	l.pipeCap = pipeCapacity(ends[0][1], size*benchRing(size))
	l.files = append(l.files, ends[0][0])
	l.send = func(b []byte) error { _, err := ends[0][1].Write(b); return err }
	if n > 1 {
		l.files = append(l.files, ends[1][1])
		l.recv = func(b []byte) error { _, err := io.ReadFull(ends[1][0], b); return err }
	}
	return l, nil
}

// socketLink makes a UNIX stream socket pair; the peer gets one end.
func socketLink() (*link, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, cli.Sys("bench: make a UNIX socket pair", "socketpair", err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "sock0"), os.NewFile(uintptr(fds[1]), "sock1")
	l := &link{files: []*os.File{b}, cleanup: []func(){func() { a.Close() }}, copies: 2}
	l.send = func(buf []byte) error { _, err := a.Write(buf); return err }
	return l, nil
}

// memcpyLink is no IPC at all: "sending" copies the next block of a
// private ring of benchRing(size) blocks into one buffer, on one core. It
// is one of the two copies every FIFO message costs, with nothing else: no
// hand-over to another core, so not a ceiling for one.
func memcpyLink(size int) *link {
	blocks := benchRing(size)
	ring, dst := pattern(blocks*size), make([]byte, size)
	i := 0
	l := &link{chunk: size, copies: 1, local: true, noFutex: true}
	l.send = func([]byte) error {
		off := i * size
		copy(dst, ring[off:off+size])
		if i++; i == blocks {
			i = 0
		}
		return nil
	}
	return l
}

// pattern is n bytes of the alphabet, what the producer sends.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + i%26)
	}
	return b
}

// pipeCapacity asks for a pipe of at least want bytes (F_SETPIPE_SZ, at
// most /proc/sys/fs/pipe-max-size for a process without CAP_SYS_RESOURCE)
// and returns what the pipe has (F_GETPIPE_SZ): the default 64 KiB when
// the kernel refuses.
func pipeCapacity(w *os.File, want int) int {
	fd := int(w.Fd())
	if want > 0 {
		unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, min(want, limit("/proc/sys/fs/pipe-max-size", 1<<20)))
	}
	n, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return 0
	}
	return n
}

// limit reads a number from /proc/sys, or returns def.
func limit(path string, def int) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return def
	}
	return v
}

// receiver is the peer's side of a one-way link: the file at linkFd, a
// FIFO's key, a queue's id or the ring's mapping from the environment.
func receiver(mech string) (recv func([]byte) error, closeAll func(), err error) {
	data := os.NewFile(linkFd, "data")
	switch mech {
	case "shmfifo", "shmfifo-psem", "shmfifo-posix":
		f, err := Open(envInt("BENCH_KEY0"))
		if err != nil {
			return nil, nil, err
		}
		return func(b []byte) error { return f.Receive(b, Forever) }, func() { f.Close() }, nil
	case "pipe", "unix-stream":
		return func(b []byte) error { _, err := io.ReadFull(data, b); return err }, func() {}, nil
	case "sysv-msg":
		return sysvMsgReceiver(envInt("BENCH_MSQID"), envInt("BENCH_CHUNK")), func() {}, nil
	case "posix-mq":
		return posixMqReceiver(int(data.Fd()), envInt("BENCH_CHUNK")), func() {}, nil
	case "spin-ring":
		rings, unmap, err := peerRings(data, 1)
		if err != nil {
			return nil, nil, err
		}
		return rings[0].get, unmap, nil
	}
	return nil, nil, fmt.Errorf("unknown mechanism %q", mech)
}

// envInt is a number the benchmark passed to its child in the environment.
func envInt(k string) int { v, _ := strconv.Atoi(os.Getenv(k)); return v }
