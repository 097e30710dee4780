//go:build linux && (amd64 || arm64)

// The fast path in `shmfifo bench`: a posix-mode FIFO at a free key, the
// memcpy row, and `bench -pingpong` (a message there and back).

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// privatePosixFifo makes a posix-mode FIFO at a free key; the caller
// destroys it.
func privatePosixFifo(blksize, blocks int, spsc bool) (*Fifo, error) {
	for range 10 {
		key, err := freeKey()
		if err != nil {
			return nil, err
		}
		f, created, err := InitPosix(key, blksize, blocks, 0o600, spsc)
		if errors.Is(err, unix.EEXIST) || (err == nil && !created) {
			if f != nil {
				f.Close()
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		trackFifo(f)
		return f, nil
	}
	return nil, errors.New("could not make a FIFO at a free key")
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
		var pipe time.Duration
		for _, mech := range pingMechanisms {
			r, err := pingOne(mech, size, rounds, nil, nil)
			if err != nil {
				return err
			}
			if mech == "pipe" {
				pipe = r.perRound
			}
			rows = append(rows, r)
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
	if !csv {
		fmt.Println("/ pipe: time of a round trip against the pipe's, same size, same run (below 1: faster)")
		fmt.Println("futex/rt: FUTEX_WAIT + FUTEX_WAKE calls per round trip, both directions, counted in the segments")
	}
	return nil
}

// pingOne sends rounds messages of size bytes to a child process, which
// sends each back before the next goes: two FIFOs (or two pipes), one per
// direction. The time per round trip is the total over rounds.
func pingOne(mech string, size, rounds int, start, stop func()) (r pingResult, err error) {
	r = pingResult{mech: mech, size: size, rounds: rounds, futex: -1}
	status, statusW, err := os.Pipe()
	if err != nil {
		return r, err
	}
	defer status.Close()
	cmd := self()
	cmd.Stdout = os.Stderr
	cmd.Env = append(os.Environ(), benchEnv+"="+mech, "BENCH_PING=1", "BENCH_SIZE="+strconv.Itoa(size), "BENCH_MSGS="+strconv.Itoa(rounds))
	cmd.ExtraFiles = []*os.File{statusW}
	var send, recv func([]byte) error
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	switch mech {
	case "shmfifo", "shmfifo-psem", "shmfifo-posix":
		var fs [2]*Fifo
		for i := range fs {
			var f *Fifo
			if mech == "shmfifo" {
				f, err = privateFifo(size, benchBlocks)
			} else {
				f, err = privatePosixFifo(size, benchBlocks, mech == "shmfifo-posix")
			}
			if err != nil {
				return r, err
			}
			cleanup = append(cleanup, func() { f.Close(); Destroy(f.Key) })
			fs[i] = f
		}
		cmd.Env = append(cmd.Env, "BENCH_KEY="+strconv.Itoa(fs[0].Key), "BENCH_KEY2="+strconv.Itoa(fs[1].Key))
		send = func(b []byte) error { return fs[0].Put(b, 0) }
		recv = func(b []byte) error { return fs[1].GetInto(b, 0) }
		if mech != "shmfifo" {
			defer func() {
				var n uint64
				for _, f := range fs {
					c := f.futexCalls()
					n += c.PutWaits + c.PutWakes + c.GetWaits + c.GetWakes
				}
				r.futex = float64(n) / float64(rounds)
			}()
		}
	case "pipe":
		var ps [2][2]*os.File
		for i := range ps {
			pr, pw, err := os.Pipe()
			if err != nil {
				return r, err
			}
			cleanup = append(cleanup, func() { pr.Close(); pw.Close() })
			ps[i] = [2]*os.File{pr, pw}
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, ps[0][0], ps[1][1])
		send = func(b []byte) error { _, err := ps[0][1].Write(b); return err }
		recv = func(b []byte) error { _, err := io.ReadFull(ps[1][0], b); return err }
	default:
		return r, fmt.Errorf("bench -pingpong: unknown mechanism %q", mech)
	}
	reap, err := startPeer(cmd, status, statusW, fmt.Sprintf("bench -pingpong %s: the echo process", mech))
	if err != nil {
		return r, err
	}
	defer reap()
	buf := make([]byte, size)
	back := make([]byte, size)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	if start != nil {
		start()
	}
	t0 := time.Now()
	for i := range rounds {
		if err := send(buf); err != nil {
			return r, fmt.Errorf("bench -pingpong %s: send %d: %w", mech, i, err)
		}
		if err := recv(back); err != nil {
			return r, fmt.Errorf("bench -pingpong %s: receive %d: %w", mech, i, err)
		}
	}
	elapsed := time.Since(t0)
	if stop != nil {
		stop()
	}
	if string(back) != string(buf) {
		return r, fmt.Errorf("bench -pingpong %s: the message came back changed", mech)
	}
	if err := cmd.Wait(); err != nil {
		return r, fmt.Errorf("bench -pingpong %s: echo process: %w", mech, err)
	}
	r.perRound = elapsed / time.Duration(rounds)
	return r, nil
}

// pingChild is the echo side of `bench -pingpong`: it takes each message
// and sends it back.
func pingChild(mech string, rounds, size int, status *os.File) int {
	var send, recv func([]byte) error
	switch mech {
	case "shmfifo", "shmfifo-psem", "shmfifo-posix":
		in, err := Open(envInt("BENCH_KEY"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 1
		}
		defer in.Close()
		out, err := Open(envInt("BENCH_KEY2"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 1
		}
		defer out.Close()
		recv = func(b []byte) error { return in.GetInto(b, 0) }
		send = func(b []byte) error { return out.Put(b, 0) }
	case "pipe":
		in, out := os.NewFile(4, "in"), os.NewFile(5, "out")
		recv = func(b []byte) error { _, err := io.ReadFull(in, b); return err }
		send = func(b []byte) error { _, err := out.Write(b); return err }
	}
	status.Write([]byte{'r'})
	buf := make([]byte, size)
	for range rounds {
		if err := recv(buf); err != nil {
			fmt.Fprintf(os.Stderr, "bench child %s: %v\n", mech, err)
			return 1
		}
		if err := send(buf); err != nil {
			fmt.Fprintf(os.Stderr, "bench child %s: %v\n", mech, err)
			return 1
		}
	}
	return 0
}
