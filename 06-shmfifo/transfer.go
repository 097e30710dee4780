//go:build linux && (amd64 || arm64)

// One row of `shmfifo bench`: msgs messages of one size from this process
// to a child process through one mechanism, timed from the child's "ready"
// to its "done". The child is this program again, started with benchEnv
// set (main calls benchChild).

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

const benchEnv = "SHMLAB_SHMFIFO_BENCH"

// benchResult is one row of the table.
type benchResult struct {
	mech        string
	size, msgs  int
	chunk       int // bytes per system message (message queues split larger ones)
	elapsed     time.Duration
	msgsPerSec  float64
	mbPerSecond float64
	switches    float64 // context switches of the receiver per message
	futex       float64 // futex calls (both sides) per message, -1 if not counted
	pipeCap     int     // the pipe's capacity in bytes (pipe rows)
}

// link is a mechanism set up between this process and its peer: how this
// side sends (and, for ping-pong, receives), what the peer is handed
// (environment, descriptors from fd 4 on), and what to undo afterwards.
type link struct {
	send, recv func([]byte) error
	env        []string
	files      []*os.File
	cleanup    []func()
	fifos      []*Fifo // shmfifo mechanisms: their futex counters
	chunk      int     // message queues: bytes per system message
	pipeCap    int
}

func (l *link) close() {
	for i := len(l.cleanup) - 1; i >= 0; i-- {
		l.cleanup[i]()
	}
}

// futexCalls is what the link's FIFOs counted, -1 for the course's FIFO
// (System V semaphores, no futex words) and for the other mechanisms.
func (l *link) futexCalls() float64 {
	if len(l.fifos) == 0 || l.fifos[0].Sync != "posix" {
		return -1
	}
	var n uint64
	for _, f := range l.fifos {
		n += f.futexCalls().Total()
	}
	return float64(n)
}

// benchOne moves msgs messages of size bytes through mech to a child
// process. start and stop, if set, are called around the timed part (for
// testing.B).
func benchOne(mech string, size, msgs int, start, stop func()) (benchResult, error) {
	r := benchResult{mech: mech, size: size, msgs: msgs, chunk: size, futex: -1}
	if mech == "memcpy" {
		return benchMemcpy(r, start, stop), nil
	}
	// Set up the mechanism, then start the receiver and wait until it is ready.
	l, err := transferLink(mech, size)
	if err != nil {
		return r, err
	}
	defer l.close()
	if l.chunk > 0 {
		r.chunk = l.chunk
	}
	r.pipeCap = l.pipeCap
	p, err := startPeer(l, mech, "BENCH_SIZE="+strconv.Itoa(size), "BENCH_MSGS="+strconv.Itoa(msgs))
	if err != nil {
		return r, err
	}
	defer p.reap()
	// The timed part: send them all, then wait for the receiver's "done".
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte('A' + i%26)
	}
	if start != nil {
		start()
	}
	t0 := time.Now()
	for range msgs {
		if err := l.send(buf); err != nil {
			return r, fmt.Errorf("bench %s: send: %w", mech, err)
		}
	}
	if err := p.done(); err != nil {
		return r, err
	}
	r.elapsed = time.Since(t0)
	if stop != nil {
		stop()
	}
	// The receiver's exit, its context switches, and the rates.
	if err := p.cmd.Wait(); err != nil {
		return r, fmt.Errorf("bench %s: receiver: %w", mech, err)
	}
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.switches = float64(ru.Nvcsw+ru.Nivcsw) / float64(msgs)
	}
	if fx := l.futexCalls(); fx >= 0 {
		r.futex = fx / float64(msgs)
	}
	sec := r.elapsed.Seconds()
	r.msgsPerSec = float64(msgs) / sec
	r.mbPerSecond = float64(msgs) * float64(size) / sec / 1e6
	return r, nil
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
	}
	return nil, fmt.Errorf("bench: unknown mechanism %q", mech)
}

// fifoLink makes n FIFOs of the mechanism's kind at free keys; the first
// carries messages to the peer, the second (ping-pong) back.
func fifoLink(mech string, size, blocks, n int) (*link, error) {
	l := &link{chunk: size}
	for i := range n {
		f, err := privateFifo(fifoSync[mech], size, blocks)
		if err != nil {
			l.close()
			return nil, err
		}
		l.cleanup = append(l.cleanup, func() { f.Close(); Destroy(f.Key) })
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
// the FIFO of the same row.
func pipeLink(size, n int) (*link, error) {
	l := &link{chunk: size}
	var ends [2][2]*os.File
	for i := range n {
		pr, pw, err := os.Pipe()
		if err != nil {
			l.close()
			return nil, err
		}
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
	l := &link{files: []*os.File{b}, cleanup: []func(){func() { a.Close(); b.Close() }}}
	l.send = func(buf []byte) error { _, err := a.Write(buf); return err }
	return l, nil
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

// peer is the other side of a benchmark, started; status is the pipe on
// which it says "ready" and "done".
type peer struct {
	cmd    *exec.Cmd
	status *os.File
}

// startPeer starts this program as mech's peer (fd 3: the status pipe; fd
// 4 on: the link's files) and waits for its "ready".
func startPeer(l *link, mech string, env ...string) (*peer, error) {
	status, statusW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := self()
	cmd.Stdout = os.Stderr
	cmd.Env = append(append(append(os.Environ(), benchEnv+"="+mech), env...), l.env...)
	cmd.ExtraFiles = append([]*os.File{statusW}, l.files...)
	err = cmd.Start()
	statusW.Close()
	if err != nil {
		status.Close()
		return nil, err
	}
	p := &peer{cmd: cmd, status: status}
	var one [1]byte
	if _, err := io.ReadFull(status, one[:]); err != nil {
		p.reap()
		return nil, fmt.Errorf("bench %s: the peer failed before it was ready", mech)
	}
	return p, nil
}

// done waits for the peer's "done".
func (p *peer) done() error {
	var one [1]byte
	if _, err := io.ReadFull(p.status, one[:]); err != nil {
		return fmt.Errorf("bench: the peer did not finish")
	}
	return nil
}

// reap kills and reaps the peer if it still runs.
func (p *peer) reap() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
	p.status.Close()
}

// benchMemcpy copies r.msgs messages of r.size bytes, one core, out of a
// ring of benchRing(size) blocks into one buffer: one of the two copies every
// FIFO message costs, with nothing else.
func benchMemcpy(r benchResult, start, stop func()) benchResult {
	blocks := benchRing(r.size)
	ring := make([]byte, blocks*r.size)
	for i := range ring {
		ring[i] = byte('A' + i%26)
	}
	dst := make([]byte, r.size)
	if start != nil {
		start()
	}
	t0 := time.Now()
	for i := range r.msgs {
		off := (i % blocks) * r.size
		copy(dst, ring[off:off+r.size])
	}
	r.elapsed = time.Since(t0)
	if stop != nil {
		stop()
	}
	sec := max(r.elapsed.Seconds(), 1e-9)
	r.msgsPerSec = float64(r.msgs) / sec
	r.mbPerSecond = float64(r.msgs) * float64(r.size) / sec / 1e6
	return r
}

// benchChild is the peer: it runs in the child when benchEnv is set, and
// returns its exit status.
func benchChild() int {
	mech := os.Getenv(benchEnv)
	size, msgs := envInt("BENCH_SIZE"), envInt("BENCH_MSGS")
	status := os.NewFile(3, "status")
	if os.Getenv("BENCH_PING") != "" {
		return pingChild(mech, msgs, size, status)
	}
	recv, closeAll, err := receiver(mech)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	defer closeAll()
	status.Write([]byte{'r'})
	buf := make([]byte, size)
	for range msgs {
		if err := recv(buf); err != nil {
			fmt.Fprintf(os.Stderr, "bench child %s: %v\n", mech, err)
			return 1
		}
	}
	status.Write([]byte{'d'})
	return 0
}

// receiver is the peer's side of a one-way link: fd 4, a FIFO's key or a
// message queue's id from the environment.
func receiver(mech string) (recv func([]byte) error, closeAll func(), err error) {
	data := os.NewFile(4, "data")
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
	}
	return nil, nil, fmt.Errorf("unknown mechanism %q", mech)
}

// envInt is a number the benchmark passed to its child in the environment.
func envInt(k string) int { v, _ := strconv.Atoi(os.Getenv(k)); return v }
