//go:build linux && (amd64 || arm64)

// `shmfifo bench -md FILE`: the measured part of BENCH.md, rewritten in
// place from two runs in a row of the table and of -pingpong, with the
// goals the fast path is held to checked against both runs. Everything
// between the begin and end lines is generated; the rest of FILE is prose
// that names no number.

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

const (
	reportBegin = "<!-- bench: begin"
	reportEnd   = "<!-- bench: end -->"
)

// benchRun is what one run of both tables measured.
type benchRun struct{ transfer, ping []benchResult }

// writeReport runs both tables twice (printing them as they come) and
// rewrites what lies between FILE's begin and end lines.
func writeReport(path string, o benchOpts) error {
	// Read FILE without following a link or opening a FIFO.
	in, err := cli.OpenRegular(path, unix.O_RDONLY|unix.O_NOFOLLOW)
	if err != nil {
		return err
	}
	old, err := io.ReadAll(in)
	in.Close()
	if err != nil {
		return err
	}
	i, j := bytes.Index(old, []byte(reportBegin)), bytes.Index(old, []byte(reportEnd))
	if i < 0 || j < i {
		return fmt.Errorf("bench -md %s: no lines %q and %q to write between", path, reportBegin+" -->", reportEnd)
	}
	i += bytes.IndexByte(old[i:], '\n') + 1
	// The new text goes into FILE.new, made now (before minutes of runs),
	// never through a link, removed unless renamed over FILE.
	tmp := path + ".new"
	fd, err := unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return cli.SysHint("bench -md: create "+cli.Quote(tmp), "open", err, "a file of that name is in the way: remove it")
	}
	f := os.NewFile(uintptr(fd), tmp)
	var renamed atomic.Bool
	defer cli.Made(func() {
		f.Close()
		if !renamed.Load() {
			os.Remove(tmp)
		}
	})()
	o.csv = false
	var b strings.Builder
	fmt.Fprintf(&b, "\nMachine: %s. Load average before the runs: %s. Settings: `-sizes %s -time %v -count %d`.\n",
		describeMachine(), loadAverage(), joinInts(o.sizes), o.time, o.count)
	var runs [2]benchRun
	for k := range runs {
		fmt.Fprintf(&b, "\n### Run %d\n\n```\n", k+1)
		w := io.MultiWriter(os.Stdout, &b)
		if runs[k].transfer, err = runTransfer(w, o); err != nil {
			return err
		}
		b.WriteString("```\n\n```\n")
		if runs[k].ping, err = runPingPong(w, o); err != nil {
			return err
		}
		b.WriteString("```\n")
	}
	writeGoals(&b, runs)
	out := append(append(append([]byte{}, old[:i]...), b.String()...), old[j:]...)
	if _, err := f.Write(out); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	renamed.Store(true)
	return nil
}

// goal is one target of the fast path: a value measured in one run, and
// whether it meets the target.
type goal struct {
	text  string
	value func(r benchRun) (float64, bool)
	ok    func(v float64) bool
	unit  string // how the value prints
	// ceiling, for a goal against the pipe, is what a ring that does
	// nothing but copy (spin-ring) made of the pipe in the same cycles: a
	// goal above it asks more than this machine gives any copying ring.
	ceiling func(r benchRun) (float64, bool)
}

// goals are the targets, measured with the default settings as ratios within
// one run.
var goals = []goal{
	{"fast path ≥ 10 × a pipe's messages/s at 64 B", rateOver("shmfifo-posix", "pipe", 64), atLeast(10), "%.1f ×", rateOver("spin-ring", "pipe", 64)},
	{"fast path ≥ 3 × a pipe at 4 KiB", rateOver("shmfifo-posix", "pipe", 4096), atLeast(3), "%.1f ×", rateOver("spin-ring", "pipe", 4096)},
	{"fast path ≥ 5 × a pipe at 64 KiB", rateOver("shmfifo-posix", "pipe", 65536), atLeast(5), "%.1f ×", rateOver("spin-ring", "pipe", 65536)},
	{"zero-copy ≥ 10 × a pipe at 64 KiB", rateOver("shmfifo-zerocopy", "pipe", 65536), atLeast(10), "%.1f ×", nil},
	{"ping-pong at 64 B ≤ 1 µs", pingMicros("shmfifo-posix", 64), atMost(1), "%.2f µs", nil},
	{"ping-pong at 64 B ≤ 0.1 × the pipe's", pingOver("shmfifo-posix", "pipe", 64), atMost(0.1), "%.3f ×", nil},
}

// ceilings are printed beside the goals: how close the fast path comes to
// what the hardware allows, in the same run.
var ceilings = []goal{
	{"fast path's messages/s / spin-ring's at 64 B", rateOver("shmfifo-posix", "spin-ring", 64), nil, "%.2f", nil},
	{"the same at 4 KiB", rateOver("shmfifo-posix", "spin-ring", 4096), nil, "%.2f", nil},
	{"the same at 64 KiB", rateOver("shmfifo-posix", "spin-ring", 65536), nil, "%.2f", nil},
	{"zero-copy's messages/s / spin-ring's at 4 KiB", rateOver("shmfifo-zerocopy", "spin-ring", 4096), nil, "%.2f", nil},
	{"the same at 64 KiB", rateOver("shmfifo-zerocopy", "spin-ring", 65536), nil, "%.2f", nil},
	{"cache-line's round trip / fast path's at 64 B", pingOver("cache-line", "shmfifo-posix", 64), nil, "%.2f", nil},
	{"spin-ring's round trip / fast path's at 64 B", pingOver("spin-ring", "shmfifo-posix", 64), nil, "%.2f", nil},
}

func atLeast(t float64) func(float64) bool { return func(v float64) bool { return v >= t } }
func atMost(t float64) func(float64) bool  { return func(v float64) bool { return v <= t } }

// rateOver is a's messages per second over b's, same size, one run, taken
// cycle by cycle (paired).
func rateOver(a, b string, size int) func(benchRun) (float64, bool) {
	return func(r benchRun) (float64, bool) {
		return paired(find(r.transfer, a, size), find(r.transfer, b, size))
	}
}

// pingMicros is a's round trip in microseconds.
func pingMicros(a string, size int) func(benchRun) (float64, bool) {
	return func(r benchRun) (float64, bool) {
		x := find(r.ping, a, size)
		if x == nil {
			return 0, false
		}
		return x.perOp.med / 1e3, true
	}
}

// pingOver is a's round trip over b's, cycle by cycle.
func pingOver(a, b string, size int) func(benchRun) (float64, bool) {
	return func(r benchRun) (float64, bool) {
		return paired(find(r.ping, b, size), find(r.ping, a, size)) // times: the rates upside down
	}
}

// writeGoals prints the goals and the ceilings as a table, run by run, and
// says which are met in both runs.
func writeGoals(b *strings.Builder, runs [2]benchRun) {
	b.WriteString("\n### Against the goals\n\n| goal | run 1 | run 2 | met | spin-ring, same cycles |\n| --- | --- | --- | --- | --- |\n")
	for _, g := range goals {
		cells, met := []string{}, 0
		for _, r := range runs {
			v, ok := g.value(r)
			switch {
			case !ok:
				cells = append(cells, "no row")
			case g.ok(v):
				met++
				cells = append(cells, fmt.Sprintf(g.unit, v))
			default:
				cells = append(cells, "**"+fmt.Sprintf(g.unit, v)+"**")
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", g.text, cells[0], cells[1], verdict(met, cells), ceilingCell(g, runs))
	}
	fmt.Fprintf(b, "| the two runs' 64 KiB fast-path rates within 1.5 × | %s | |\n", steadiness(runs))
	b.WriteString("\n| the ceilings, same run | run 1 | run 2 |\n| --- | --- | --- |\n")
	for _, g := range ceilings {
		var cells []string
		for _, r := range runs {
			v, ok := g.value(r)
			cells = append(cells, map[bool]string{true: fmt.Sprintf(g.unit, v), false: "no row"}[ok])
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", g.text, cells[0], cells[1])
	}
	writeSpin(b, runs)
}

// writeSpin prints what spinning buys and costs: the fast path's round
// trip at 64 B and 64 KiB at each spin limit, with the CPU time both sides
// spent on it.
func writeSpin(b *strings.Builder, runs [2]benchRun) {
	b.WriteString("\n| spin limit, ping-pong | size | run 1: µs/rt, CPU µs/rt | run 2: µs/rt, CPU µs/rt |\n| --- | --- | --- | --- |\n")
	for _, size := range []int{64, 65536} {
		for _, m := range []string{"shmfifo-posix", "posix-spin5us", "posix-spin50us", "posix-nospin"} {
			cells := []string{}
			for _, r := range runs {
				x := find(r.ping, m, size)
				if x == nil {
					cells = append(cells, "no row")
					continue
				}
				cells = append(cells, fmt.Sprintf("%.2f, %.2f", x.perOp.med/1e3, x.cpuPerOp/1e3))
			}
			fmt.Fprintf(b, "| %s (%s) | %d | %s | %s |\n", m, spinText(m), size, cells[0], cells[1])
		}
	}
}

// spinText says what a row's SpinMax is.
func spinText(mech string) string {
	switch d := spinMax[mech]; {
	case d < 0:
		return "never spins"
	case d > 0:
		return "spins at most " + d.String()
	}
	return "adaptive, the default"
}

// ceilingCell is what spin-ring made of the pipe in each run, for a goal
// against the pipe that a copying ring could meet at all.
func ceilingCell(g goal, runs [2]benchRun) string {
	if g.ceiling == nil {
		return ""
	}
	var cells []string
	for _, r := range runs {
		v, ok := g.ceiling(r)
		cells = append(cells, map[bool]string{true: fmt.Sprintf(g.unit, v), false: "no row"}[ok])
	}
	return strings.Join(cells, ", ")
}

// verdict says "yes" when met in both runs, else which.
func verdict(met int, cells []string) string {
	switch {
	case cells[0] == "no row":
		return "not measured: no such row"
	case met == 2:
		return "yes"
	case met == 0:
		return "**no**"
	}
	return "**in one run of two**"
}

// steadiness is the cross-run goal: the faster run's 64 KiB fast-path rate
// over the slower one's.
func steadiness(runs [2]benchRun) string {
	a, b := find(runs[0].transfer, "shmfifo-posix", 65536), find(runs[1].transfer, "shmfifo-posix", 65536)
	if a == nil || b == nil || a.msgsPerSec == 0 || b.msgsPerSec == 0 {
		return "no row | | not measured"
	}
	x := max(a.msgsPerSec, b.msgsPerSec) / min(a.msgsPerSec, b.msgsPerSec)
	if x <= 1.5 {
		return fmt.Sprintf("%.0f msgs/s | %.0f msgs/s (%.2f ×) | yes", a.msgsPerSec, b.msgsPerSec, x)
	}
	return fmt.Sprintf("%.0f msgs/s | %.0f msgs/s (**%.2f ×**) | **no**", a.msgsPerSec, b.msgsPerSec, x)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}
