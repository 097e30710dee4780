//go:build linux && (amd64 || arm64)

// `shmfifo bench`: the comparison of course ep. 28 (pipe, message queue,
// shared memory), measured (001 §1.1: "shared memory is the fastest IPC").
// Messages go from this process to a child process through each mechanism
// (transfer.go), both pinned to a CPU of their own (machine.go); each row
// runs for a time, several times, and prints the median run with the
// slowest and the fastest beside it, and the CPU time both sides spent.
// The ceilings (ceiling.go) are measured in the same run. -pingpong times
// round trips instead (pingpong.go); -md rewrites BENCH.md (benchreport.go).

package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"shmlab/internal/cli"
)

// mechanisms, in the order the table prints them. shmfifo is the course's
// (System V semaphores), shmfifo-psem the same ring with the three
// semaphores in the segment (-sync posix), shmfifo-posix the fast path
// (-sync posix -ring spsc), shmfifo-zerocopy the same ring written and
// read in place (RingReserve/RingCommit, RingPeek/RingRelease), and
// posix-nospin the fast path that never spins before it sleeps. memcpy is
// no IPC: one core copying the same messages into a ring of the same size.
// spin-ring is the ceiling of a ring like the fast path's (ceiling.go).
var mechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "shmfifo-zerocopy", "posix-nospin", "pipe", "unix-stream", "sysv-msg", "posix-mq", "memcpy", "spin-ring"}

// fifoSync is the kind of FIFO each shmfifo mechanism uses (privateFifo).
var fifoSync = map[string]string{"shmfifo": "sysv", "shmfifo-psem": "posix", "shmfifo-posix": "spsc",
	"shmfifo-zerocopy": "spsc", "posix-nospin": "spsc", "posix-spin5us": "spsc", "posix-spin50us": "spsc"}

// spinMax is the SpinMax of the FIFOs of the rows of the fast path at
// other spin limits than the adaptive default (0): posix-nospin never
// spins (it sleeps in FUTEX_WAIT at once), posix-spin5us and
// posix-spin50us spin 5 and 50 µs at most, whatever the waits before.
var spinMax = map[string]time.Duration{"posix-nospin": -1, "posix-spin5us": 5 * time.Microsecond, "posix-spin50us": 50 * time.Microsecond}

// benchBlocks is the fewest blocks a benchmark FIFO has, and
// benchRingBytes the least it holds: a ring of 16 blocks of 64 bytes (one
// kilobyte) is full or empty after every few messages, so that each side
// waits on the other at almost every message. The pipe of the same row gets
// the same capacity (F_SETPIPE_SZ), so that neither has more room to run
// ahead in: 1 MiB is the most a pipe may hold for a process without
// CAP_SYS_RESOURCE (/proc/sys/fs/pipe-max-size). A ring that large lets the
// producer run far ahead of the consumer, so that the consumer mostly reads
// lines the producer's core has already pushed out to the shared L3 cache,
// instead of snooping them out of its private one (BENCH.md: a ring of 256
// KiB moved 4 KiB messages about a quarter slower, a pipe the same).
const (
	benchBlocks    = 16
	benchRingBytes = 1 << 20
)

// benchRing is the number of blocks of the benchmark's FIFOs for messages of
// size bytes.
func benchRing(size int) int { return max(benchBlocks, benchRingBytes/size) }

// benchOpts is how every row is measured.
type benchOpts struct {
	sizes []int
	time  time.Duration // the timed round of each run; the warm-up is a tenth
	count int           // runs per row
	iters int           // -pingpong: round trips per run instead of -time (0: by time)
	csv   bool
	only  []string     // the rows to run (nil: all)
	ready func() error // -ready: called once the first run has made its objects and started its peer
}

func benchCmd(f *cli.Flags) cli.Action {
	sizes := f.String("sizes", "LIST", "64,4096,65536", "message sizes in bytes, comma-separated (each at least 32)")
	dur := f.Duration("time", 300*time.Millisecond, "how long each run of a row lasts, after a warm-up of a tenth of it (like go test -benchtime)")
	count := f.Int("count", 5, 1, 1000, "runs of each row: the median is printed, the slowest and fastest beside it (like go test -count)")
	only := f.String("only", "LIST", "", "run only these rows (mechanisms), comma-separated")
	csv := f.Bool("csv", "print CSV instead of a table (the header lines go to stderr)")
	ping := f.Bool("pingpong", "time round trips (a message there and back) instead of one-way throughput")
	iters := f.Int("iters", 0, 1, 1<<30, "with -pingpong: round trips in each run, instead of running for -time")
	md := f.String("md", "FILE", "", "run the table and -pingpong twice each and rewrite the measured part of FILE (BENCH.md)")
	ready := f.Ready("the first run has made its FIFO (queue, ring) and started its peer process")
	return func([]string) error {
		o := benchOpts{time: *dur, count: int(*count), iters: int(*iters), csv: *csv}
		if err := o.parse(*sizes, *only, *ping, *md != ""); err != nil {
			return err
		}
		if path, done := *ready, false; path != "" {
			o.ready = func() error {
				if done {
					return nil
				}
				done = true
				return cli.Ready(path)
			}
		}
		switch {
		case *md != "":
			return writeReport(*md, o)
		case *ping:
			_, err := runPingPong(os.Stdout, o)
			return err
		}
		_, err := runTransfer(os.Stdout, o)
		return err
	}
}

// parse checks the options and reads the lists of sizes and rows.
func (o *benchOpts) parse(sizes, only string, ping, md bool) error {
	if o.time <= 0 || o.time > time.Minute {
		return cli.Usagef("time %v: must be more than 0 and at most 1m", o.time)
	}
	if o.iters > 0 && !ping {
		return cli.Usagef("bench: -iters N counts round trips: it goes with -pingpong")
	}
	for _, s := range strings.Split(sizes, ",") {
		v, err := cli.ParseCount("size", strings.TrimSpace(s), genMinBlksize, 16<<20)
		if err != nil {
			return err
		}
		o.sizes = append(o.sizes, int(v))
	}
	if only == "" {
		return nil
	}
	if md {
		return cli.Usagef("bench: -md runs every row: it does not go with -only")
	}
	rows := mechanisms
	if ping {
		rows = append([]string{"cache-line"}, pingMechanisms...)
	}
	for _, m := range strings.Split(only, ",") {
		if m = strings.TrimSpace(m); !slices.Contains(rows, m) {
			return cli.Usagef("bench -only: no row %q in this table (it has %s)", m, strings.Join(rows, ", "))
		}
		o.only = append(o.only, m)
	}
	return nil
}

// rows is the rows of a table that o runs, in the table's order.
func (o benchOpts) rows(all []string) []string {
	if o.only == nil {
		return all
	}
	var r []string
	for _, m := range all {
		if slices.Contains(o.only, m) {
			r = append(r, m)
		}
	}
	return r
}

// runTransfer prints the throughput table: every mechanism at every size.
func runTransfer(w io.Writer, o benchOpts) ([]benchResult, error) {
	printHeader(w, o)
	if o.csv {
		fmt.Fprintln(w, "mechanism,size,msgs_per_s,mb_per_s,min_msgs_per_s,max_msgs_per_s,x_pipe,of_ring,copies,cpu_ns_per_msg,busy_cpus,futex_per_msg,cs_per_msg,msgs_per_run,runs")
	} else {
		fmt.Fprintf(w, "%-16s %6s %10s %-17s %8s %6s %7s %6s %10s %5s %9s %7s\n",
			"mechanism", "size", "msgs/s", "(min - max)", "MB/s", "x pipe", "of ring", "copies", "cpu ns/msg", "busy", "futex/msg", "cs/msg")
	}
	var all []benchResult
	var notes []string
	for _, size := range o.sizes {
		g, err := measureGroup(o.rows(mechanisms), size, false, o)
		if err != nil {
			return all, err
		}
		rows := g.rows
		for _, r := range rows {
			notes = append(notes, r.notes()...)
		}
		notes = append(notes, g.note(size))
		printRows(w, rows, o.csv)
		all = append(all, rows...)
	}
	if !o.csv {
		fmt.Fprint(w, transferLegend)
		for _, n := range notes {
			fmt.Fprintln(w, "note:", n)
		}
	}
	printFooter(w, o)
	return all, nil
}

const transferLegend = `msgs/s: the median run; (min - max): the slowest and the fastest run (the rows of a size run together, in cycles)
every row: the sender writes the message's number into one word of each 64-byte line of the message,
  the receiver reads and checks each of those words (the FIFOs, pipe, socket and queues in their own
  buffers, around the copies; shmfifo-zerocopy in the ring's block itself)
shmfifo-zerocopy: the fast path's ring, each block written and read where it lies (RingReserve/RingCommit,
  RingPeek/RingRelease): no copy at all
posix-nospin: the fast path with SpinMax < 0: a side that must wait sleeps in FUTEX_WAIT at once
x pipe: messages per second against the pipe's: the median over the cycles of the two parts' ratio in each
of ring: messages per second as a fraction of spin-ring's, cycle by cycle: the ceiling, the same ring spinning,
  no futex, no checks
copies: times each byte is copied on its way from the sender's buffer to the receiver's
cpu ns/msg: CPU time (user + system) of both processes per message (getrusage); busy: that over the wall time,
  in CPUs: 2.0 is both sides running all the time (spinning or working), below 1 one side mostly sleeps
futex/msg: FUTEX_WAIT + FUTEX_WAKE calls per message, both sides, counted in the segment (shmfifo: 4 semop per side, always)
cs/msg: context switches of both processes per message (getrusage)
`

// printHeader says what was measured on what: the machine, the load, the
// method, the pinning (on stderr with -csv, to keep stdout CSV).
func printHeader(w io.Writer, o benchOpts) {
	if o.csv {
		w = os.Stderr
	}
	fmt.Fprintln(w, "machine:", describeMachine())
	fmt.Fprintln(w, "load average:", loadAverage())
	how := fmt.Sprintf("%v each, after a warm-up of %v", o.time, o.time/10)
	if o.iters > 0 {
		how = fmt.Sprintf("%d round trips each, after a warm-up of %v", o.iters, o.time/10)
	}
	fmt.Fprintf(w, "runs: %d per row, %s\n", o.count, how)
	fmt.Fprintln(w, "pinned:", pinnedLine())
}

// printFooter gives the load once more: a run that the load moved says so.
func printFooter(w io.Writer, o benchOpts) {
	if o.csv {
		w = os.Stderr
	}
	fmt.Fprintln(w, "load average after:", loadAverage())
}

// notes says what the table cannot: the ring and pipe sizes, and the
// queues' splitting of large messages.
func (r benchResult) notes() []string {
	var n []string
	if r.mech == "pipe" {
		n = append(n, fmt.Sprintf("%d-byte messages: the FIFOs have %d blocks (%d KiB), the pipe holds %d KiB",
			r.size, benchRing(r.size), r.size*benchRing(r.size)>>10, r.pipeCap>>10))
	}
	if r.chunk > 0 && r.chunk < r.size {
		n = append(n, fmt.Sprintf("%s sent each %d-byte message as %d messages of %d bytes (the queue's message size limit)",
			r.mech, r.size, (r.size+r.chunk-1)/r.chunk, r.chunk))
	}
	return n
}

// find is the row of mech at size, or nil.
func find(rows []benchResult, mech string, size int) *benchResult {
	for i := range rows {
		if rows[i].mech == mech && rows[i].size == size {
			return &rows[i]
		}
	}
	return nil
}

// printRows prints the rows of one size, as a table or CSV.
func printRows(w io.Writer, rows []benchResult, csv bool) {
	for _, r := range rows {
		xPipe, ofRing := ratio(&r, find(rows, "pipe", r.size)), ratio(&r, find(rows, "spin-ring", r.size))
		if r.mech == "memcpy" {
			ofRing = ""
		}
		if csv {
			fmt.Fprintf(w, "%s,%d,%.0f,%.1f,%.0f,%.0f,%s,%s,%d,%.0f,%.2f,%s,%.3f,%d,%d\n", r.mech, r.size, r.msgsPerSec, r.mbPerSecond,
				r.rate.min, r.rate.max, xPipe, ofRing, r.copies, r.cpuPerOp, r.busy, futexCell(r.futex, ""), r.switches, r.n, len(r.runs))
			continue
		}
		fmt.Fprintf(w, "%-16s %6d %10.0f %-17s %8.1f %6s %7s %6d %10.0f %5.2f %9s %7.3f\n", r.mech, r.size, r.msgsPerSec,
			"("+si(r.rate.min)+" - "+si(r.rate.max)+")", r.mbPerSecond, dash(xPipe), dash(ofRing), r.copies, r.cpuPerOp, r.busy,
			futexCell(r.futex, "-"), r.switches)
	}
}

// ratio prints a's rate over b's, taken cycle by cycle (paired), or ""
// without b.
func ratio(a, b *benchResult) string {
	if v, ok := paired(a, b); ok {
		return fmt.Sprintf("%.2f", v)
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// futexCell prints futex calls per message, or none when not counted.
func futexCell(f float64, none string) string {
	if f < 0 {
		return none
	}
	return fmt.Sprintf("%.3f", f)
}

// si prints v with three significant digits and k, M or G.
func si(v float64) string {
	for _, u := range []struct {
		div float64
		sfx string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}} {
		if v >= u.div {
			return num3(v/u.div) + u.sfx
		}
	}
	return num3(v)
}

// num3 prints v with three significant digits, never in e-notation.
func num3(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// benchOne moves msgs messages of size bytes through mech to a child
// process in one timed round, for testing.B (b.N messages): start and stop
// are called around it. The same sessions as `bench`, pinned the same way.
func benchOne(mech string, size, msgs int, start, stop func()) (benchResult, error) {
	return oneRound(mech, size, msgs, false, start, stop)
}

// oneRound is one session with one timed round of n messages (round trips).
func oneRound(mech string, size, n int, ping bool, start, stop func()) (benchResult, error) {
	r := benchResult{mech: mech, size: size}
	s, err := openSession(mech, size, ping)
	if err != nil {
		return r, err
	}
	r.copies, r.chunk, r.pipeCap = s.l.copies, s.l.chunk, s.l.pipeCap
	unpin, err := pinThread(sideCPU(0))
	if err != nil {
		s.close()
		return r, fmt.Errorf("bench: pin to CPU %d: %w", sideCPU(0), err)
	}
	defer unpin()
	if start != nil {
		start()
	}
	smp, err := s.run(n)
	if stop != nil {
		stop()
	}
	if cerr := s.close(); err == nil && cerr != nil {
		err = fmt.Errorf("bench %s: %w", mech, cerr)
	}
	if err != nil {
		return r, err
	}
	r.runs = []sample{smp}
	r.summarise()
	return r, nil
}
