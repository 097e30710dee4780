//go:build linux && (amd64 || arm64)

// What one run of a benchmark row measured, and what the table prints of
// -count runs: the median, with the smallest and the largest beside it, so
// that a learner sees how far one run can be from another.

package main

import (
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// sample is one timed run: n messages (or round trips) in elapsed, and
// what both processes spent on them.
type sample struct {
	n       int
	elapsed time.Duration
	use     usage   // both sides: CPU time and context switches
	futex   float64 // FUTEX_WAIT + FUTEX_WAKE calls, both sides; -1: not counted
}

// usage is what getrusage(2) says a process spent: user + system CPU time,
// and context switches (voluntary: it slept; involuntary: it was preempted).
type usage struct {
	cpu      time.Duration
	switches int64
}

// selfUsage is getrusage(RUSAGE_SELF): every thread of this process.
func selfUsage() usage {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return usage{}
	}
	return usage{
		cpu:      time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		switches: ru.Nvcsw + ru.Nivcsw,
	}
}

// plus adds run t to s, as parts of one round: futex calls stay "not
// counted" (-1) if either was.
func (s sample) plus(t sample) sample {
	s.n, s.elapsed, s.use = s.n+t.n, s.elapsed+t.elapsed, s.use.plus(t.use)
	if s.futex < 0 || t.futex < 0 {
		s.futex = -1
	} else {
		s.futex += t.futex
	}
	return s
}

func (u usage) minus(v usage) usage { return usage{u.cpu - v.cpu, u.switches - v.switches} }
func (u usage) plus(v usage) usage  { return usage{u.cpu + v.cpu, u.switches + v.switches} }

// spread is the median of some runs and their extremes.
type spread struct{ med, min, max float64 }

// spreadOf summarises xs (the runs of one row), one value per run.
func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return spread{med: m, min: s[0], max: s[len(s)-1]}
}

// each applies f to every run.
func each(runs []sample, f func(sample) float64) []float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return v
}

// benchResult is one row of a table: a mechanism at one size, over its
// runs. Rates and times are medians over the runs, each column on its own.
type benchResult struct {
	mech        string
	size        int
	copies      int // times each byte of a message is copied, sender's buffer to receiver's
	chunk       int // bytes per system message (message queues split larger ones)
	pipeCap     int // the pipe's capacity in bytes (pipe rows)
	runs        []sample
	cycles      map[int]float64 // rate of the row's part in each cycle of its group (benchturns.go)
	n           int             // messages (round trips) of a run, median
	msgsPerSec  float64         // messages (round trips) per second, median
	rate        spread          // the same, with min and max
	mbPerSecond float64
	perOp       spread  // ns per message (round trip)
	cpuPerOp    float64 // ns of CPU time, both sides, per message (round trip)
	busy        float64 // CPUs kept busy: CPU time over wall time (2: both sides never stop)
	futex       float64 // futex calls per message (round trip), -1: not counted
	switches    float64 // context switches of both sides per message (round trip)
}

// summarise fills the medians from r.runs.
func (r *benchResult) summarise() {
	perOp := func(s sample) float64 { return float64(s.elapsed.Nanoseconds()) / float64(max(s.n, 1)) }
	r.perOp = spreadOf(each(r.runs, perOp))
	r.rate = spreadOf(each(r.runs, func(s sample) float64 { return 1e9 / perOp(s) }))
	r.msgsPerSec = r.rate.med
	r.mbPerSecond = r.msgsPerSec * float64(r.size) / 1e6
	r.n = int(spreadOf(each(r.runs, func(s sample) float64 { return float64(s.n) })).med)
	r.cpuPerOp = spreadOf(each(r.runs, func(s sample) float64 { return float64(s.use.cpu.Nanoseconds()) / float64(max(s.n, 1)) })).med
	r.busy = spreadOf(each(r.runs, func(s sample) float64 { return s.use.cpu.Seconds() / max(s.elapsed.Seconds(), 1e-9) })).med
	r.switches = spreadOf(each(r.runs, func(s sample) float64 { return float64(s.use.switches) / float64(max(s.n, 1)) })).med
	r.futex = -1
	if len(r.runs) > 0 && r.runs[0].futex >= 0 {
		r.futex = spreadOf(each(r.runs, func(s sample) float64 { return s.futex / float64(max(s.n, 1)) })).med
	}
}
