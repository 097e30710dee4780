//go:build linux && (amd64 || arm64)

// The mechanisms of `shmfifo bench`, set up between this process (the
// producer) and its peer (peer.go): how each side sends and receives, what
// the peer is handed, and what to undo afterwards. The ceilings (a spin
// ring, a cache line) are in ceiling.go, the message queues in msgqueue.go.
//
// Every row does the same work on the payload: the sender writes the
// message's number into the first word of each 64-byte cache line of the
// message (stamp), the receiver reads each of those words and checks it
// (checkStamp). The copying mechanisms stamp their send buffer before the
// write and check their receive buffer after the read; the zero-copy row
// stamps and checks the block where it lies in the ring.

package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// link is a mechanism set up between this process and its peer: how this
// side sends (and, for ping-pong, receives), what the peer is handed
// (environment, descriptors from linkFd on), and what to undo afterwards.
// put sends message number seq (from 1), take receives one and checks that
// it is message seq: built by finish from send and recv of a buffer, or
// given as they are by the zero-copy link, which has no buffer.
type link struct {
	put, take  func(seq uint64) error
	send, recv func([]byte) error
	env        []string
	files      []*os.File // the peer's ends: closed here once it has them
	cleanup    []func()   // undone by close, the newest first
	undoErr    error      // the first undo that failed (a FIFO Destroy could not remove)
	aborts     []func()   // what wakes this side if the peer dies mid-run
	fifos      []*Fifo    // shmfifo mechanisms: their futex counters
	chunk      int        // message queues: bytes per system message
	pipeCap    int
	copies     int  // times each byte is copied from the sender's buffer to the receiver's
	local      bool // no peer: the row runs in this process alone (memcpy)
	noFutex    bool // no futex words at all: futex/msg is 0, not "not counted"
}

// close undoes what the link made, the newest first, and says whether
// something could not be undone.
func (l *link) close() error {
	l.handedOver()
	for i := len(l.cleanup) - 1; i >= 0; i-- {
		l.cleanup[i]()
	}
	l.cleanup = nil
	return l.undoErr
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

// finish gives the link its put and take, from send and recv with a
// buffer of their own where the link has none.
func (l *link) finish(size int) *link {
	if l.put == nil && l.send != nil {
		l.put = stamped(l.send, pattern(size))
	}
	if l.take == nil && l.recv != nil {
		l.take = checked(l.recv, make([]byte, size))
	}
	return l
}

// stamped is put for a mechanism that sends a buffer: stamp it, send it.
func stamped(send func([]byte) error, buf []byte) func(uint64) error {
	return func(seq uint64) error {
		stamp(buf, seq)
		return send(buf)
	}
}

// checked is take for a mechanism that receives into a buffer: receive,
// then check the stamp.
func checked(recv func([]byte) error, buf []byte) func(uint64) error {
	return func(seq uint64) error {
		if err := recv(buf); err != nil {
			return err
		}
		return checkStamp(buf, seq)
	}
}

// stamp writes seq into the first 8 bytes of every 64-byte line of msg:
// a write to each cache line, what a sender does to a message at the
// least (a line it never writes could not carry anything new).
func stamp(msg []byte, seq uint64) {
	for off := 0; off+8 <= len(msg); off += 64 {
		binary.NativeEndian.PutUint64(msg[off:], seq)
	}
}

// checkStamp reads the word stamp wrote in every line of msg and checks
// that it is seq: a read of each cache line, what a receiver does at the
// least, and the proof that the whole message is the one expected.
func checkStamp(msg []byte, seq uint64) error {
	for off := 0; off+8 <= len(msg); off += 64 {
		if v := binary.NativeEndian.Uint64(msg[off:]); v != seq {
			return fmt.Errorf("message %d: the word at byte %d says %d", seq, off, v)
		}
	}
	return nil
}

// transferLink sets up mech for messages of size bytes, one way.
func transferLink(mech string, size int) (*link, error) {
	l, err := newTransferLink(mech, size)
	if err != nil {
		return nil, err
	}
	return l.finish(size), nil
}

// newTransferLink makes the link of mech, before finish.
func newTransferLink(mech string, size int) (*link, error) {
	if fifoSync[mech] != "" {
		return fifoLink(mech, size, benchRing(size), 1)
	}
	switch mech {
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
		var rmErr error
		remove := cli.Made(func() { _, rmErr = Destroy(f.Key) })
		l.cleanup = append(l.cleanup, func() {
			f.Close()
			if remove(); rmErr != nil && l.undoErr == nil {
				l.undoErr = cli.Sys("destroy FIFO key "+KeyString(f.Key), "shmctl IPC_RMID", rmErr)
			}
		})
		l.aborts = append(l.aborts, remove)
		l.fifos = append(l.fifos, f)
		l.env = append(l.env, fmt.Sprintf("BENCH_KEY%d=%d", i, f.Key))
	}
	var err error
	if l.put, err = fifoPut(mech, l.fifos[0], size); err == nil && n > 1 {
		l.take, err = fifoTake(mech, l.fifos[1], size)
	}
	if err != nil {
		l.close()
		return nil, err
	}
	if mech == "shmfifo-zerocopy" {
		l.copies = 0
	}
	return l, nil
}

// fifoPut is how a side sends on f for mech: Send of a stamped buffer (a
// copy into the block), or, zero-copy, a block reserved in the ring,
// stamped where it lies and committed. The fast path's rows at other spin
// limits set the FIFO's SpinMax.
func fifoPut(mech string, f *Fifo, size int) (func(uint64) error, error) {
	f.SpinMax = spinMax[mech]
	if mech != "shmfifo-zerocopy" {
		return stamped(func(b []byte) error { return f.Send(b, Forever) }, pattern(size)), nil
	}
	if err := f.claim(offProd, "producer"); err != nil {
		return nil, err
	}
	return func(seq uint64) error {
		b, err := f.RingReserve(Forever)
		if err != nil {
			return err
		}
		stamp(b[:size], seq)
		return f.RingCommit()
	}, nil
}

// fifoTake is how a side receives from f for mech: Receive into a buffer
// (a copy out of the block) and check it there, or, zero-copy, the oldest
// block peeked at, checked where it lies and released.
func fifoTake(mech string, f *Fifo, size int) (func(uint64) error, error) {
	f.SpinMax = spinMax[mech]
	if mech != "shmfifo-zerocopy" {
		return checked(func(b []byte) error { return f.Receive(b, Forever) }, make([]byte, size)), nil
	}
	if err := f.claim(offCons, "consumer"); err != nil {
		return nil, err
	}
	return func(seq uint64) error {
		b, err := f.RingPeek(Forever)
		if err != nil {
			return err
		}
		if err := checkStamp(b[:size], seq); err != nil {
			return err
		}
		return f.RingRelease()
	}, nil
}

// pipeLink makes n pipes; the peer gets the read end of the first and the
// write end of the second (ping-pong). Each pipe is given the capacity of
// the FIFO of the same row. Both sides use them as a C program would: in
// blocking mode (Fd turns Go's poller off), write(2) and read(2) called
// directly (fdWriter, fdReader), a message a call.
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
	l.send = fdWriter(int(ends[0][1].Fd()))
	if n > 1 {
		l.files = append(l.files, ends[1][1])
		l.recv = fdReader(int(ends[1][0].Fd()))
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
	l.send = fdWriter(fds[0])
	return l, nil
}

// memcpyLink is no IPC at all: "sending" copies the stamped buffer into
// the next block of a private ring of benchRing(size) blocks and checks the
// copy there, on one core. It is one of the two copies every FIFO message
// costs, with the same stamping and checking, and nothing else: no
// hand-over to another core, so not a ceiling for one.
func memcpyLink(size int) *link {
	blocks := benchRing(size)
	ring := pattern(blocks * size)
	i := 0
	l := &link{chunk: size, copies: 1, local: true, noFutex: true}
	l.send = func(b []byte) error {
		off := i * size
		copy(ring[off:off+size], b)
		if i++; i == blocks {
			i = 0
		}
		return checkStamp(ring[off:off+size], binary.NativeEndian.Uint64(b))
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

// receiver is the peer's side of a one-way link, its take: from the file
// at linkFd, a FIFO's key, a queue's id or the ring's mapping, as the
// environment says (e, checked by peerEnvironment).
func receiver(e peerEnv) (take func(uint64) error, closeAll func(), err error) {
	data := os.NewFile(linkFd, "data")
	buf := make([]byte, e.size)
	switch e.mech {
	case "pipe", "unix-stream":
		return checked(fdReader(int(data.Fd())), buf), func() {}, nil
	case "sysv-msg":
		return checked(sysvMsgReceiver(e.msqid, e.chunk), buf), func() {}, nil
	case "posix-mq":
		return checked(posixMqReceiver(int(data.Fd()), e.chunk), buf), func() {}, nil
	case "spin-ring":
		rings, unmap, err := mapRings(data, e.ringSize, e.ringBlocks, 1)
		if err != nil {
			return nil, nil, err
		}
		return checked(rings[0].get, buf), unmap, nil
	}
	f, err := Open(e.keys[0])
	if err != nil {
		return nil, nil, err
	}
	if take, err = fifoTake(e.mech, f, e.size); err != nil {
		f.Close()
		return nil, nil, err
	}
	return take, func() { f.Close() }, nil
}

// fdWriter writes a whole message to fd with write(2), as a C program
// would: no os.File on the way, and RawSyscall, which does not tell Go's
// scheduler about the call. Go's os.File (its locks) and Syscall (the
// scheduler's bookkeeping around every call) cost a pipe a third of its
// rate at 4 KiB on this machine: with them the pipe row would flatter
// every other row (BENCH.md). A raw call that blocks keeps its thread's
// scheduling slot (P), which a process doing nothing else meanwhile can
// afford; and a pipe or a socket whose other end is gone returns at once
// (EPIPE, end of file), so nothing waits for the program's watchdog. (The
// message queues keep Syscall: a queue whose peer died blocks, and only
// the watchdog, another goroutine, ends that.)
func fdWriter(fd int) func([]byte) error {
	return func(b []byte) error {
		for len(b) > 0 {
			r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			n := int(r)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				return os.NewSyscallError("write", e)
			}
			b = b[n:]
		}
		return nil
	}
}

// fdReader reads a whole message from fd with read(2), raw as fdWriter
// writes; end of file before it is whole is io.ErrUnexpectedEOF.
func fdReader(fd int) func([]byte) error {
	return func(b []byte) error {
		for len(b) > 0 {
			r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			n := int(r)
			switch {
			case e == unix.EINTR:
				continue
			case e != 0:
				return os.NewSyscallError("read", e)
			case n == 0:
				return io.ErrUnexpectedEOF
			}
			b = b[n:]
		}
		return nil
	}
}
