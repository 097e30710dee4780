//go:build linux && (amd64 || arm64)

// `shmfifo bench -pingpong`: a message to an echo process and back, through
// two FIFOs (one per direction) or two pipes: the latency of each, where
// the throughput table measures how much goes through.

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// pingMechanisms are those `bench -pingpong` compares.
var pingMechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "pipe"}

// pingResult is one row of `bench -pingpong`.
type pingResult struct {
	mech         string
	size, rounds int
	perRound     time.Duration
	futex        float64 // futex calls per round trip, both FIFOs, -1 if not counted
}

func runPingPong(sizes []int, rounds int, csv bool) error {
	if csv {
		fmt.Println("mechanism,size,round_trips,us_per_round_trip")
	} else {
		fmt.Printf("%-14s %8s %12s %14s %10s %10s\n", "mechanism", "size", "round trips", "us/round trip", "/ pipe", "futex/rt")
	}
	for _, size := range sizes {
		var rows []pingResult
		for _, mech := range pingMechanisms {
			r, err := pingOne(mech, size, rounds, nil, nil)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		printPingRows(rows, csv)
	}
	if !csv {
		fmt.Println("/ pipe: time of a round trip against the pipe's, same size, same run (below 1: faster)")
		fmt.Println("futex/rt: FUTEX_WAIT + FUTEX_WAKE calls per round trip, both directions, counted in the segments")
	}
	return nil
}

// printPingRows prints the rows of one size, as a table or CSV.
func printPingRows(rows []pingResult, csv bool) {
	var pipe time.Duration
	for _, r := range rows {
		if r.mech == "pipe" {
			pipe = r.perRound
		}
	}
	for _, r := range rows {
		us := float64(r.perRound.Nanoseconds()) / 1e3
		if csv {
			fmt.Printf("%s,%d,%d,%.2f\n", r.mech, r.size, r.rounds, us)
			continue
		}
		fx := "-"
		if r.futex >= 0 {
			fx = fmt.Sprintf("%.2f", r.futex)
		}
		fmt.Printf("%-14s %8d %12d %14.2f %10.2f %10s\n", r.mech, r.size, r.rounds, us, float64(r.perRound)/float64(pipe), fx)
	}
}

// pingOne sends rounds messages of size bytes to a child process, which
// sends each back before the next goes. The time per round trip is the
// total over rounds. start and stop are for testing.B.
func pingOne(mech string, size, rounds int, start, stop func()) (pingResult, error) {
	r := pingResult{mech: mech, size: size, rounds: rounds, futex: -1}
	// Two FIFOs or two pipes, and the echo process, ready.
	var l *link
	var err error
	if mech == "pipe" {
		l, err = pipeLink(size, 2)
	} else {
		l, err = fifoLink(mech, size, benchBlocks, 2)
	}
	if err != nil {
		return r, err
	}
	defer l.close()
	p, err := startPeer(l, mech, "BENCH_PING=1", "BENCH_SIZE="+strconv.Itoa(size), "BENCH_MSGS="+strconv.Itoa(rounds))
	if err != nil {
		return r, err
	}
	defer p.reap()
	// The timed part: there and back, rounds times.
	buf, back := make([]byte, size), make([]byte, size)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	if start != nil {
		start()
	}
	t0 := time.Now()
	for i := range rounds {
		if err := l.send(buf); err != nil {
			return r, fmt.Errorf("bench -pingpong %s: send %d: %w", mech, i, err)
		}
		if err := l.recv(back); err != nil {
			return r, fmt.Errorf("bench -pingpong %s: receive %d: %w", mech, i, err)
		}
	}
	elapsed := time.Since(t0)
	if stop != nil {
		stop()
	}
	// The message came back as it went, and the echo process ended well.
	if string(back) != string(buf) {
		return r, fmt.Errorf("bench -pingpong %s: the message came back changed", mech)
	}
	if err := p.cmd.Wait(); err != nil {
		return r, fmt.Errorf("bench -pingpong %s: echo process: %w", mech, err)
	}
	r.perRound = elapsed / time.Duration(rounds)
	if fx := l.futexCalls(); fx >= 0 {
		r.futex = fx / float64(rounds)
	}
	return r, nil
}

// pingChild is the echo side of `bench -pingpong`: it takes each message
// and sends it back.
func pingChild(mech string, rounds, size int, status *os.File) int {
	send, recv, closeAll, err := echoer(mech)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	defer closeAll()
	status.Write([]byte{'r'})
	buf := make([]byte, size)
	for range rounds {
		err := recv(buf)
		if err == nil {
			err = send(buf)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench child %s: %v\n", mech, err)
			return 1
		}
	}
	return 0
}

// echoer is the echo side's two directions: the FIFOs whose keys are in
// the environment, or the pipe ends at fd 4 (in) and 5 (out).
func echoer(mech string) (send, recv func([]byte) error, closeAll func(), err error) {
	if mech == "pipe" {
		in, out := os.NewFile(4, "in"), os.NewFile(5, "out")
		recv = func(b []byte) error { _, err := io.ReadFull(in, b); return err }
		send = func(b []byte) error { _, err := out.Write(b); return err }
		return send, recv, func() {}, nil
	}
	in, err := Open(envInt("BENCH_KEY0"))
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := Open(envInt("BENCH_KEY1"))
	if err != nil {
		in.Close()
		return nil, nil, nil, err
	}
	recv = func(b []byte) error { return in.Receive(b, Forever) }
	send = func(b []byte) error { return out.Send(b, Forever) }
	return send, recv, func() { in.Close(); out.Close() }, nil
}
