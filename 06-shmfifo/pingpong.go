//go:build linux && (amd64 || arm64)

// `shmfifo bench -pingpong`: a message to an echo process and back, through
// two FIFOs (one per direction), two pipes or two spin rings: the latency
// of each, where the throughput table measures how much goes through. A
// cache line bounced between the two processes is the floor under all of
// them (ceiling.go).

package main

import (
	"fmt"
	"io"
	"os"
)

// pingMechanisms are those `bench -pingpong` compares at every size, after
// the cache line: the fast path also at three other spin limits
// (spinMax), and written and read in place.
var pingMechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "posix-spin5us", "posix-spin50us", "posix-nospin", "shmfifo-zerocopy", "pipe", "spin-ring"}

// pingLink sets up mech both ways for messages of size bytes; the rings
// have benchBlocks blocks (a round trip never has more than one message in
// flight).
func pingLink(mech string, size int) (*link, error) {
	l, err := newPingLink(mech, size)
	if err != nil {
		return nil, err
	}
	return l.finish(size), nil
}

// newPingLink makes the two directions of mech, before finish.
func newPingLink(mech string, size int) (*link, error) {
	if fifoSync[mech] != "" {
		return fifoLink(mech, size, benchBlocks, 2)
	}
	switch mech {
	case "pipe":
		return pipeLink(size, 2)
	case "spin-ring":
		return spinRingLink(size, benchBlocks, 2)
	case "cache-line":
		return cacheLineLink()
	}
	return nil, fmt.Errorf("bench -pingpong: unknown mechanism %q", mech)
}

// runPingPong prints the round-trip table: the cache line and every
// mechanism, at every size (the cache line carries no payload: its rows
// differ only in when they were measured).
func runPingPong(w io.Writer, o benchOpts) ([]benchResult, error) {
	printHeader(w, o)
	if o.csv {
		fmt.Fprintln(w, "mechanism,size,round_trips,us_per_round_trip,min_us,max_us,x_pipe,of_line,of_ring,copies,cpu_us_per_round_trip,busy_cpus,futex_per_round_trip,cs_per_round_trip,runs")
	} else {
		fmt.Fprintf(w, "%-16s %6s %8s %-17s %6s %7s %7s %6s %9s %5s %8s %6s\n",
			"mechanism", "size", "us/rt", "(min - max)", "x pipe", "of line", "of ring", "copies", "cpu us/rt", "busy", "futex/rt", "cs/rt")
	}
	var all []benchResult
	var notes []string
	for _, size := range o.sizes {
		g, err := measureGroup(o.rows(append([]string{"cache-line"}, pingMechanisms...)), size, true, o)
		if err != nil {
			return all, err
		}
		printPingRows(w, g.rows, size, o.csv)
		all = append(all, g.rows...)
		notes = append(notes, g.note(size))
	}
	if !o.csv {
		fmt.Fprint(w, pingLegend)
		for _, n := range notes {
			fmt.Fprintln(w, "note:", n)
		}
	}
	printFooter(w, o)
	return all, nil
}

const pingLegend = `us/rt: microseconds per round trip, the median run; (min - max): the fastest and the slowest run (the rows of a size
  run together, in cycles)
cache-line: no payload at any size, one 64-bit word on a cache line of its own, there and back
every other row: each side writes the message's number into one word of each 64-byte line of what it
  sends and checks those words in what it receives (shmfifo-zerocopy: in the ring's blocks themselves)
shmfifo-posix: the fast path, spinning for at most SpinMax before FUTEX_WAIT; SpinMax 0 is adaptive:
  50 us while the other side moves within it, halved after each longer wait (an idle peer), down to 1 us
posix-spin5us, posix-spin50us: the same ring, SpinMax fixed at 5 or 50 us: a longer wait sleeps;
  posix-nospin: never spins, sleeps at once. cpu us/rt and busy against us/rt: the CPU spinning burns
  for the latency it wins
shmfifo-zerocopy: the fast path's rings, written and read in place (RingReserve/RingCommit, RingPeek/RingRelease)
x pipe: time of a round trip against the pipe's, cycle by cycle (below 1: faster); of line, of ring likewise
of line: the cache line's round trip as a fraction of this one (1: at the limit of any hand-over between two cores)
of ring: spin-ring's round trip, same size, as a fraction of this one
copies: times each byte is copied on its way from the sender's buffer to the receiver's, each way
cpu us/rt: CPU time (user + system) of both processes per round trip (getrusage); busy: that over the wall time, in CPUs
futex/rt: FUTEX_WAIT + FUTEX_WAKE calls per round trip, both directions, counted in the segments
cs/rt: context switches of both processes per round trip (getrusage)
`

// printPingRows prints the rows of one size, as a table or CSV.
func printPingRows(w io.Writer, rows []benchResult, size int, csv bool) {
	line := find(rows, "cache-line", size)
	for _, r := range rows {
		// Round trips per second against rates: the same ratios as times,
		// upside down (x pipe: the pipe's rate over this one's).
		xPipe, ofLine, ofRing := ratio(find(rows, "pipe", size), &r), ratio(&r, line), ""
		if r.mech != "cache-line" {
			ofRing = ratio(&r, find(rows, "spin-ring", size))
		}
		us, cpu := r.perOp.med/1e3, r.cpuPerOp/1e3
		if csv {
			fmt.Fprintf(w, "%s,%d,%d,%.3f,%.3f,%.3f,%s,%s,%s,%d,%.3f,%.2f,%s,%.3f,%d\n", r.mech, r.size, r.n, us, r.perOp.min/1e3, r.perOp.max/1e3,
				xPipe, ofLine, ofRing, r.copies, cpu, r.busy, futexCell(r.futex, ""), r.switches, len(r.runs))
			continue
		}
		fmt.Fprintf(w, "%-16s %6d %8.3f %-17s %6s %7s %7s %6d %9.3f %5.2f %8s %6.3f\n", r.mech, r.size, us,
			"("+num3(r.perOp.min/1e3)+" - "+num3(r.perOp.max/1e3)+")", dash(xPipe), dash(ofLine), dash(ofRing), r.copies, cpu, r.busy,
			futexCell(r.futex, "-"), r.switches)
	}
}

// pingOne times rounds round trips of mech at size in one session, for
// testing.B: start and stop are called around the timed round.
func pingOne(mech string, size, rounds int, start, stop func()) (benchResult, error) {
	return oneRound(mech, size, rounds, true, start, stop)
}

// echoer is the echo side's two directions: the FIFOs whose keys are in
// the environment, the pipe ends at linkFd (in) and linkFd+1 (out), or the
// rings or the cache line mapped from linkFd. The echo side takes each
// message (checks it) and puts it back (stamps it again), as the other
// side does.
func echoer(e peerEnv) (put, take func(uint64) error, closeAll func(), err error) {
	buf := make([]byte, e.size)
	switch e.mech {
	case "pipe":
		take, put = checked(fdReader(linkFd), buf), stamped(fdWriter(linkFd+1), buf)
		return put, take, func() {}, nil
	case "spin-ring":
		rings, unmap, err := mapRings(os.NewFile(linkFd, "rings"), e.ringSize, e.ringBlocks, 2)
		if err != nil {
			return nil, nil, nil, err
		}
		return stamped(rings[1].put, buf), checked(rings[0].get, buf), unmap, nil
	case "cache-line":
		return peerCacheLine(os.NewFile(linkFd, "line"))
	}
	return fifoEchoer(e)
}

// fifoEchoer opens the two FIFOs of a ping-pong: the first brings the
// messages, the second takes them back.
func fifoEchoer(e peerEnv) (put, take func(uint64) error, closeAll func(), err error) {
	in, err := Open(e.keys[0])
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := Open(e.keys[1])
	if err != nil {
		in.Close()
		return nil, nil, nil, err
	}
	closeAll = func() { in.Close(); out.Close() }
	if take, err = fifoTake(e.mech, in, e.size); err == nil {
		put, err = fifoPut(e.mech, out, e.size)
	}
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return put, take, closeAll, nil
}
