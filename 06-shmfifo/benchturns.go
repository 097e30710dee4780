//go:build linux && (amd64 || arm64)

// How `shmfifo bench` takes its runs. The speed of this virtual machine
// changes from one second to the next: the host runs its two virtual CPUs
// on cores close together or far apart, and a cache line then goes from one
// to the other in 45, 140 or 570 ns (BENCH.md); a ring of shared memory,
// which moves every message as cache lines, goes five times slower on the
// far pair, a pipe less. Rows measured one after the other would meet
// different machines. So every run of a size opens a session for each row
// at once and their parts take turns, one part of each row and again (a
// cycle: about a third of a second), each cycle starting with the cache
// line's round trip between the two CPUs (the probe); and the ratios
// between rows are taken cycle by cycle, between parts that met the same
// machine.

package main

import (
	"fmt"
	"time"
)

// group is the measuring of the rows of one size: the cycles so far, and
// the probe's round trip before each, in ns.
type group struct {
	rows  []benchResult
	ping  bool
	o     benchOpts
	cycle int
	line  []float64
}

// measureGroup measures every mechanism of mechs at size o.count times,
// each time in one turn of all of them together (measureTurn).
func measureGroup(mechs []string, size int, ping bool, o benchOpts) (*group, error) {
	g := &group{rows: make([]benchResult, len(mechs)), ping: ping, o: o}
	for i, mech := range mechs {
		g.rows[i] = benchResult{mech: mech, size: size, cycles: map[int]float64{}}
	}
	for range o.count {
		if err := g.measureTurn(); err != nil {
			return nil, err
		}
	}
	for i := range g.rows {
		g.rows[i].summarise()
	}
	return g, nil
}

// measureTurn adds one run to every row: a session of its own for each and
// one for the probe, all open at once; each row warmed up (warmUp); then
// the cycles, until every row has run for o.time (o.iters: one part each).
func (g *group) measureTurn() (err error) {
	var open []*session
	defer func() {
		for _, s := range open {
			if cerr := s.close(); err == nil && cerr != nil {
				err = fmt.Errorf("bench %s: %w", s.mech, cerr)
			}
		}
	}()
	probe, err := openSession("cache-line", genMinBlksize, true)
	if err != nil {
		return err
	}
	open = append(open, probe)
	for i := range g.rows {
		r := &g.rows[i]
		s, err := openSession(r.mech, r.size, g.ping)
		if err != nil {
			return err
		}
		open = append(open, s)
		r.copies, r.chunk, r.pipeCap = s.l.copies, s.l.chunk, s.l.pipeCap
		if g.o.ready != nil {
			if err := g.o.ready(); err != nil {
				return err
			}
		}
	}
	// Pinned only now: a peer inherits the CPUs of the thread that starts it.
	unpin, err := pinThread(sideCPU(0))
	if err != nil {
		return fmt.Errorf("bench: pin to CPU %d: %w", sideCPU(0), err)
	}
	defer unpin()
	return g.cycles(probe, open[1:])
}

// cycles warms every session up, then runs their parts in turns, the probe
// first in each cycle, and adds the run to each row.
func (g *group) cycles(probe *session, sessions []*session) error {
	o := g.o
	parts := make([]int, len(sessions))
	for i, s := range sessions {
		var err error
		if parts[i], err = s.warmUp(o); err != nil {
			return err
		}
	}
	runs := make([]sample, len(sessions))
	for more := true; more; g.cycle++ {
		more = false
		if err := g.probe(probe); err != nil {
			return err
		}
		for i, s := range sessions {
			if runs[i].n > 0 && (o.iters > 0 || runs[i].elapsed >= o.time) {
				continue
			}
			smp, err := s.run(parts[i])
			if runs[i] = runs[i].plus(smp); err != nil {
				return err
			}
			g.rows[i].cycles[g.cycle] = float64(smp.n) / max(smp.elapsed.Seconds(), 1e-9)
			if o.iters == 0 { // the next part sized to last a tenth of o.time at the speed of this one
				parts[i] = scaleRound(parts[i], smp.elapsed, o.time/10, min(100*parts[i], maxRound))
			}
			more = more || o.iters == 0 && runs[i].elapsed < o.time
		}
	}
	for i := range g.rows {
		g.rows[i].runs = append(g.rows[i].runs, runs[i])
	}
	return nil
}

// probeTrips is how many round trips the probe times: a fraction of a
// millisecond, after a round that wakes its peer up (not timed).
const probeTrips = 2000

// probe times the cache line's round trip between the two CPUs.
func (g *group) probe(s *session) error {
	if _, err := s.run(probeTrips / 10); err != nil {
		return err
	}
	smp, err := s.run(probeTrips)
	if err != nil {
		return err
	}
	g.line = append(g.line, float64(smp.elapsed.Nanoseconds())/probeTrips)
	return nil
}

// maxRound is the most messages one round may have.
const maxRound = 1 << 30

// warmUp runs rounds, each larger than the last, until one lasts a tenth
// of o.time (as testing.B grows b.N), and returns the size of the first
// part of the measured run: a tenth of what would last o.time, so that a
// run is about ten parts and ends with the part that passes o.time (a row
// whose speed falls in the middle is measured over about o.time like every
// other row, not for ten times as long). With o.iters a run is one part of
// that many round trips.
func (s *session) warmUp(o benchOpts) (int, error) {
	warm := o.time / 10
	s.stall = 10*time.Second + 20*o.time
	for n := 1; ; {
		smp, err := s.run(n)
		if err != nil {
			return 0, err
		}
		if o.iters > 0 && smp.elapsed >= warm {
			return o.iters, nil
		}
		if smp.elapsed >= warm || n >= maxRound {
			return max(1, scaleRound(n, smp.elapsed, o.time, maxRound)/10), nil
		}
		// Aim 20% past the warm-up, at most 100 times the last round.
		n = scaleRound(n, smp.elapsed, warm*6/5, 100*n)
	}
}

// scaleRound is how many messages take goal if n took took: at least 1
// more than n when growing, at most limit.
func scaleRound(n int, took, goal time.Duration, limit int) int {
	next := float64(n) * float64(goal) / float64(max(took, time.Microsecond))
	return int(max(1, min(next, float64(limit))))
}

// paired is the median, over the cycles in which both ran, of a's rate
// (messages or round trips per second) over b's: a ratio between two parts
// that met the same machine. ok is false without a cycle in common.
func paired(a, b *benchResult) (float64, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	var xs []float64
	for c, v := range a.cycles {
		if w := b.cycles[c]; w > 0 && v > 0 {
			xs = append(xs, v/w)
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	return spreadOf(xs).med, true
}

// note says how many cycles the rows of size took turns in, and how far
// apart the two CPUs were meanwhile (the probe: median, fastest, slowest).
func (g *group) note(size int) string {
	l := spreadOf(g.line)
	return fmt.Sprintf("%d-byte rows: %d cycles (one part of each row); before each, a cache line went from one CPU to the other and back in %s us (%s - %s)",
		size, g.cycle, num3(l.med/1e3), num3(l.min/1e3), num3(l.max/1e3))
}
