//go:build linux && (amd64 || arm64)

// The two processes of a benchmark run and how they take turns. The peer is
// this program again, started with benchEnv set to its row and a one-time
// token, the same token as its first argument (main calls benchChild,
// which refuses to run without both: a variable left in a shell's
// environment starts no peer). It gets a status pipe at fd 3 (it writes 'r'
// once ready, then one record per round: its CPU time and context switches
// over the round), an order pipe at fd 4 (how many messages the next round
// has; end of file: exit) and the link's files from fd 5 on. A session is
// one run of one row: start the peer, pin both sides, rounds of a warm-up,
// the parts of the timed run (taking turns with the other rows' sessions,
// bench.go), stop. The peer is killed if this process is interrupted
// (cli.Made) or dies (Pdeathsig, self.go).

package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"shmlab/internal/cli"
)

const (
	benchEnv  = "SHMLAB_SHMFIFO_BENCH"
	peerArg   = "shmlab-bench-peer:" // the peer's first argument; the token follows
	statusFd  = 3
	controlFd = 4
	linkFd    = 5
)

// session is one run of a row: the link, the peer, the pinning.
type session struct {
	mech    string
	size    int
	ping    bool
	l       *link
	cmd     *exec.Cmd
	status  *os.File   // the peer's records
	control *os.File   // our orders to it
	records chan usage // what the peer spent on a round
	ended   chan struct{}
	closing atomic.Bool
	broken  bool          // a round failed: the peer may wait for ever
	stall   time.Duration // a round that lasts longer is stuck (0: no limit)
	stalled atomic.Bool
	seq     uint64 // messages (round trips) sent so far
	kill    func() // kills the peer (registered with cli.Made)
}

// openSession sets up mech at size (two directions if ping), starts the
// peer on the consumer's CPU and waits for it. The caller pins itself to
// the producer's CPU afterwards (a peer started from a pinned thread would
// have its runtime's threads on the producer's CPU).
func openSession(mech string, size int, ping bool) (*session, error) {
	mk := transferLink
	if ping {
		mk = pingLink
	}
	l, err := mk(mech, size)
	if err != nil {
		return nil, err
	}
	s := &session{mech: mech, size: size, ping: ping, l: l}
	if !l.local {
		if err := s.start(); err != nil {
			l.close()
			return nil, err
		}
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
	var tok [16]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	cmd := self(peerArg + token)
	cmd.Stdout = os.Stderr
	cmd.Env = append(os.Environ(), benchEnv+"="+s.mech+":"+token, "BENCH_SIZE="+strconv.Itoa(s.size))
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
	s.kill = cli.Made(func() { cmd.Process.Kill() })
	if _, err := io.ReadFull(status, make([]byte, 1)); err != nil {
		s.closing.Store(true)
		control.Close()
		s.reap()
		s.kill()
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

// loop sends n messages (and, for ping-pong, takes each back, checked).
func (s *session) loop(n int) error {
	for range n {
		s.seq++
		if err := s.l.put(s.seq); err != nil {
			return fmt.Errorf("send %d: %w", s.seq, err)
		}
		if !s.ping {
			continue
		}
		if err := s.l.take(s.seq); err != nil {
			return fmt.Errorf("receive %d: %w", s.seq, err)
		}
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
	var err error
	if s.cmd != nil {
		s.closing.Store(true)
		if s.broken {
			s.cmd.Process.Kill()
		}
		s.control.Close()
		if err = s.reap(); err != nil {
			err = fmt.Errorf("peer: %w", err)
		}
		s.kill()
		s.status.Close()
	}
	if lerr := s.l.close(); err == nil {
		err = lerr
	}
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
// is told, then writes what it spent on them. Started by anything but
// bench (the variable left in an environment, a value of one's own), it
// says so in one line and runs nothing.
func benchChild() int {
	e, err := peerEnvironment()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", program.Name, err)
		return 2
	}
	status, control := os.NewFile(statusFd, "status"), os.NewFile(controlFd, "control")
	if e.cpu >= 0 {
		if _, err := pinThread(e.cpu); err != nil {
			fmt.Fprintf(os.Stderr, "%s: bench peer: %v\n", program.Name, err)
			return 1
		}
	}
	step, closeAll, err := peerStep(e)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: bench peer %s: %v\n", program.Name, e.mech, err)
		return 1
	}
	defer closeAll()
	status.Write([]byte{'r'})
	var order [8]byte
	for seq := uint64(0); ; {
		if _, err := io.ReadFull(control, order[:]); err != nil {
			return 0 // the run is over
		}
		u0 := selfUsage()
		for range binary.LittleEndian.Uint64(order[:]) {
			seq++
			if err := step(seq); err != nil {
				fmt.Fprintf(os.Stderr, "%s: bench peer %s: message %d: %v\n", program.Name, e.mech, seq, err)
				return 1
			}
		}
		u := selfUsage().minus(u0)
		rec := binary.LittleEndian.AppendUint64(nil, uint64(u.cpu))
		status.Write(binary.LittleEndian.AppendUint64(rec, uint64(u.switches)))
	}
}

// peerStep is what the peer does per message: take it (receive and check
// it), or (ping-pong) take it and put it back.
func peerStep(e peerEnv) (step func(seq uint64) error, closeAll func(), err error) {
	if !e.ping {
		return receiver(e)
	}
	put, take, closeAll, err := echoer(e)
	if err != nil {
		return nil, nil, err
	}
	return func(seq uint64) error {
		if err := take(seq); err != nil {
			return err
		}
		return put(seq)
	}, closeAll, nil
}

// peerEnv is what bench hands its peer in the environment, checked.
type peerEnv struct {
	mech                 string
	size                 int
	ping                 bool
	cpu                  int    // -1: not pinned
	keys                 [2]int // the FIFOs: there, and (ping-pong) back
	msqid, chunk         int    // the message queues
	ringSize, ringBlocks int    // the spin rings and the cache line
}

// peerEnvironment reads and checks the peer's environment: the row and the
// token in benchEnv (the token must be the first argument too), then the
// numbers that row needs. Every error is one line naming the variable.
func peerEnvironment() (peerEnv, error) {
	v := os.Getenv(benchEnv)
	os.Unsetenv(benchEnv) // nothing this process starts is a peer
	mech, token, _ := strings.Cut(v, ":")
	if len(token) < 16 || len(os.Args) < 2 || os.Args[1] != peerArg+token {
		return peerEnv{}, fmt.Errorf("%s is set (to %q): it is only for the peer process `%s bench` starts itself; unset it", benchEnv, v, program.Name)
	}
	e := peerEnv{mech: mech, ping: os.Getenv("BENCH_PING") == "1", cpu: -1}
	if !slices.Contains(mechanisms, mech) && !slices.Contains(pingMechanisms, mech) && mech != "cache-line" {
		return e, fmt.Errorf("%s=%q: no such row of bench", benchEnv, mech)
	}
	var errs []error
	num := func(name string, lo, hi int) int {
		n, err := strconv.Atoi(os.Getenv(name))
		if err != nil || n < lo || n > hi {
			errs = append(errs, fmt.Errorf("%s=%q: not a number from %d to %d", name, os.Getenv(name), lo, hi))
		}
		return n
	}
	e.size = num("BENCH_SIZE", 1, 16<<20)
	if os.Getenv("BENCH_CPU") != "" {
		e.cpu = num("BENCH_CPU", 0, 1<<16)
	}
	switch {
	case fifoSync[mech] != "":
		e.keys[0] = num("BENCH_KEY0", math.MinInt32, math.MaxInt32)
		if e.ping {
			e.keys[1] = num("BENCH_KEY1", math.MinInt32, math.MaxInt32)
		}
	case mech == "sysv-msg":
		e.msqid, e.chunk = num("BENCH_MSQID", 0, math.MaxInt32), num("BENCH_CHUNK", 1, e.size)
	case mech == "posix-mq":
		e.chunk = num("BENCH_CHUNK", 1, e.size)
	case mech == "spin-ring" || mech == "cache-line":
		e.ringSize, e.ringBlocks = num("BENCH_RING_SIZE", 1, 16<<20), num("BENCH_RING_BLOCKS", 1, 1<<20)
	}
	if len(errs) > 0 {
		return e, errs[0]
	}
	return e, nil
}
