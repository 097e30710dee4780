//go:build linux && (amd64 || arm64)

package main

import (
	"testing"
	"time"
)

// TestSpinLimit checks what Fifo.SpinMax means (ringwait.go): negative
// never spins, positive is the limit, 0 is the side's adaptive limit
// (DefaultSpinMax before its first wait).
func TestSpinLimit(t *testing.T) {
	us := time.Microsecond
	for _, c := range []struct{ spinMax, adapt, want time.Duration }{
		{-1, 10 * us, 0},
		{-time.Hour, 0, 0},
		{200 * us, 3 * us, 200 * us},
		{0, 0, DefaultSpinMax},
		{0, 3 * us, 3 * us},
	} {
		if got := spinLimit(c.spinMax, c.adapt); got != c.want {
			t.Errorf("spinLimit(%v, %v) = %v, want %v", c.spinMax, c.adapt, got, c.want)
		}
	}
}

// TestSpinLearn checks the adaptive limit: it stays at DefaultSpinMax while
// the other side moves within it (a hiccup of a busy peer never makes it
// sleep sooner), halves down to spinFloor while the other side is idle, and
// one quick hand-over brings it back.
func TestSpinLearn(t *testing.T) {
	us := time.Microsecond
	adapt := time.Duration(0)
	for _, d := range []time.Duration{0, 2 * us, 40 * us, 0} {
		if adapt = spinLearn(adapt, d); spinLimit(0, adapt) != DefaultSpinMax {
			t.Fatalf("after a wait of %v the limit is %v, want %v", d, spinLimit(0, adapt), DefaultSpinMax)
		}
	}
	if adapt = spinLearn(adapt, time.Millisecond); spinLimit(0, adapt) != DefaultSpinMax/2 {
		t.Errorf("after one wait of 1ms the limit is %v, want %v", spinLimit(0, adapt), DefaultSpinMax/2)
	}
	for range 10 {
		adapt = spinLearn(adapt, time.Second)
	}
	if l := spinLimit(0, adapt); l != spinFloor {
		t.Errorf("after waits of 1s the limit is %v, want %v (the floor)", l, spinFloor)
	}
	if adapt = spinLearn(adapt, 0); spinLimit(0, adapt) != DefaultSpinMax {
		t.Errorf("after a quick hand-over the limit is %v, want %v", spinLimit(0, adapt), DefaultSpinMax)
	}
}
