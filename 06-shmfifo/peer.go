//go:build linux && (amd64 || arm64)

// The two processes of a benchmark run and how they take turns. The peer is
// this program again, started with benchEnv set (main calls benchChild). It
// gets a status pipe at fd 3 (it writes 'r' once ready, then one record per
// round: its CPU time and context switches over the round), an order pipe
// at fd 4 (how many messages the next round has; end of file: exit) and the
// link's files from fd 5 on. A session is one run of one row: start the
// peer, pin both sides, rounds of a warm-up, the timed round, stop.

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"time"
)

const (
	benchEnv  = "SHMLAB_SHMFIFO_BENCH"
	statusFd  = 3
	controlFd = 4
	linkFd    = 5
)

// session is one run of a row: the link, the peer, the pinning.
type session struct {
	mech      string
	size      int
	ping      bool
	l         *link
	cmd       *exec.Cmd
	status    *os.File   // the peer's records
	control   *os.File   // our orders to it
	records   chan usage // what the peer spent on a round
	ended     chan struct{}
	closing   atomic.Bool
	broken    bool          // a round failed: the peer may wait for ever
	stall     time.Duration // a round that lasts longer is stuck (0: no limit)
	stalled   atomic.Bool
	unpin     func()
	buf, back []byte
}

// openSession sets up mech at size (two directions if ping), starts the
// peer on the consumer's CPU, waits for it, then pins this thread to the
// producer's CPU (after the fork, so the peer's runtime threads are free).
func openSession(mech string, size int, ping bool) (*session, error) {
	mk := transferLink
	if ping {
		mk = pingLink
	}
	l, err := mk(mech, size)
	if err != nil {
		return nil, err
	}
	s := &session{mech: mech, size: size, ping: ping, l: l, buf: pattern(size), back: make([]byte, size)}
	if !l.local {
		if err := s.start(); err != nil {
			l.close()
			return nil, err
		}
	}
	if s.unpin, err = pinThread(sideCPU(0)); err != nil {
		s.close()
		return nil, fmt.Errorf("bench: pin to CPU %d: %w", sideCPU(0), err)
	}
	return s, nil
}

// start starts the peer and waits for its 'r'.
func (s *session) start() error {
	status, statusW, err := os.Pipe()
	if err != nil {
		return err
	}
	controlR, control, err := os.Pipe()
	if err != nil {
		status.Close()
		statusW.Close()
		return err
	}
	cmd := self()
	cmd.Stdout = os.Stderr
	cmd.Env = append(os.Environ(), benchEnv+"="+s.mech, "BENCH_SIZE="+strconv.Itoa(s.size))
	if s.ping {
		cmd.Env = append(cmd.Env, "BENCH_PING=1")
	}
	if cpu := sideCPU(1); cpu >= 0 {
		cmd.Env = append(cmd.Env, "BENCH_CPU="+strconv.Itoa(cpu))
	}
	cmd.Env = append(cmd.Env, s.l.env...)
	cmd.ExtraFiles = append([]*os.File{statusW, controlR}, s.l.files...)
	err = cmd.Start()
	statusW.Close()
	controlR.Close()
	s.l.handedOver()
	if err != nil {
		status.Close()
		control.Close()
		return err
	}
	s.cmd, s.status, s.control = cmd, status, control
	if _, err := io.ReadFull(status, make([]byte, 1)); err != nil {
		s.closing.Store(true)
		control.Close()
		s.reap()
		return fmt.Errorf("bench %s: the peer failed before it was ready", s.mech)
	}
	s.records, s.ended = make(chan usage, 1), make(chan struct{})
	go s.watch()
	return nil
}

// watch reads the peer's records; when its status pipe ends while a run
// still needs it (the peer died), it aborts the link, so that a send
// waiting on the dead peer returns. If nothing can wake it (a POSIX queue
// has no "removed" to say), the program ends after a few seconds.
func (s *session) watch() {
	defer close(s.ended)
	var rec [16]byte
	for {
		if _, err := io.ReadFull(s.status, rec[:]); err != nil {
			if !s.closing.Load() {
				s.l.abort()
				time.AfterFunc(5*time.Second, func() {
					if !s.closing.Load() {
						fmt.Fprintf(os.Stderr, "shmfifo: bench %s: the peer ended in the middle of a run\n", s.mech)
						os.Exit(1)
					}
				})
			}
			return
		}
		s.records <- usage{cpu: time.Duration(binary.LittleEndian.Uint64(rec[:8])), switches: int64(binary.LittleEndian.Uint64(rec[8:]))}
	}
}

// run is one round: n messages (round trips), timed from our order to the
// peer's record, with both sides' CPU time and the futex calls it made.
func (s *session) run(n int) (sample, error) {
	smp := sample{n: n, futex: -1}
	if s.stall > 0 {
		// A side that sleeps for a wake-up that never comes (a lost
		// FUTEX_WAKE) would hang the benchmark: wake it with EIDRM instead.
		t := time.AfterFunc(s.stall, func() { s.stalled.Store(true); s.l.abort() })
		defer t.Stop()
	}
	fx0, u0 := s.l.futexCalls(), selfUsage()
	t0 := time.Now()
	var err error
	if s.control != nil {
		_, err = s.control.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	}
	if err == nil {
		err = s.loop(n)
	}
	var peer usage
	if err == nil && s.cmd != nil {
		select {
		case peer = <-s.records:
		case <-s.ended:
			err = errors.New("no record of the round")
		}
	}
	smp.elapsed = time.Since(t0)
	smp.use = selfUsage().minus(u0).plus(peer)
	if err != nil {
		s.broken = true
		return smp, s.failed(err)
	}
	if fx0 >= 0 {
		smp.futex = s.l.futexCalls() - fx0
	}
	return smp, nil
}

// loop sends n messages (and, for ping-pong, takes each back).
func (s *session) loop(n int) error {
	for i := range n {
		if err := s.l.send(s.buf); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		if !s.ping {
			continue
		}
		if err := s.l.recv(s.back); err != nil {
			return fmt.Errorf("receive %d: %w", i, err)
		}
	}
	if s.ping && s.l.copies > 0 && !bytes.Equal(s.back, s.buf) {
		return errors.New("the message came back changed")
	}
	return nil
}

// failed names the row and whether the round was stuck or the peer had
// died.
func (s *session) failed(err error) error {
	if s.stalled.Load() {
		return fmt.Errorf("bench %s: no progress in %v, the FIFO was destroyed to end the wait (a lost wake-up?): %v", s.mech, s.stall, err)
	}
	if s.ended != nil {
		select {
		case <-s.ended:
			return fmt.Errorf("bench %s: the peer process ended during the run (%v)", s.mech, err)
		default:
		}
	}
	return fmt.Errorf("bench %s: %w", s.mech, err)
}

// close stops the peer (end of file on its orders; killed if a round
// failed), reaps it and undoes the link and the pinning. It returns the
// peer's exit error.
func (s *session) close() error {
	if s.unpin != nil {
		s.unpin()
	}
	var err error
	if s.cmd != nil {
		s.closing.Store(true)
		if s.broken {
			s.cmd.Process.Kill()
		}
		s.control.Close()
		err = s.reap()
		s.status.Close()
	}
	s.l.close()
	return err
}

// reap waits for the peer to exit, and kills it if it has not within a
// few seconds.
func (s *session) reap() error {
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		return <-done
	}
}

// benchChild is the peer: it runs in the child when benchEnv is set, and
// returns its exit status. Each round it takes (or echoes) the messages it
// is told, then writes what it spent on them.
func benchChild() int {
	mech, ping := os.Getenv(benchEnv), os.Getenv("BENCH_PING") != ""
	status, control := os.NewFile(statusFd, "status"), os.NewFile(controlFd, "control")
	if os.Getenv("BENCH_CPU") != "" {
		if _, err := pinThread(envInt("BENCH_CPU")); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 1
		}
	}
	step, closeAll, err := peerStep(mech, envInt("BENCH_SIZE"), ping)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	defer closeAll()
	status.Write([]byte{'r'})
	var order [8]byte
	for {
		if _, err := io.ReadFull(control, order[:]); err != nil {
			return 0 // the run is over
		}
		u0 := selfUsage()
		for i := range binary.LittleEndian.Uint64(order[:]) {
			if err := step(); err != nil {
				fmt.Fprintf(os.Stderr, "bench child %s: message %d: %v\n", mech, i, err)
				return 1
			}
		}
		u := selfUsage().minus(u0)
		rec := binary.LittleEndian.AppendUint64(nil, uint64(u.cpu))
		status.Write(binary.LittleEndian.AppendUint64(rec, uint64(u.switches)))
	}
}

// peerStep is what the peer does per message: receive it, or (ping-pong)
// receive it and send it back.
func peerStep(mech string, size int, ping bool) (step func() error, closeAll func(), err error) {
	buf := make([]byte, size)
	if !ping {
		recv, closeAll, err := receiver(mech)
		if err != nil {
			return nil, nil, err
		}
		return func() error { return recv(buf) }, closeAll, nil
	}
	send, recv, closeAll, err := echoer(mech)
	if err != nil {
		return nil, nil, err
	}
	return func() error {
		if err := recv(buf); err != nil {
			return err
		}
		return send(buf)
	}, closeAll, nil
}
