//go:build linux && (amd64 || arm64)

package main

import (
	"errors"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"shmlab/internal/exercise"
)

// TestFork1000 forks 1000 times in this (multi-threaded, maybe race-checked)
// test process, the way the fork experiment does, and checks every answer: a
// forked Go child that did anything unsafe would hang, crash or answer wrong
// sooner or later.
func TestFork1000(t *testing.T) {
	shared, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if errors.Is(err, exercise.ErrExercise) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer Unmap(shared)
	// Keep the runtime busy meanwhile: goroutines that allocate (and so take
	// heap locks and start garbage collections) on other threads while this
	// one forks. A child that entered the runtime would catch them held.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 1; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keep [][]byte
			for {
				select {
				case <-stop:
					return
				default:
				}
				keep = append(keep, make([]byte, 512))
				runtime.Gosched()
				if len(keep) > 64 {
					keep = nil
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(stop)
	n := 1000
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		r, err := forkOnce(shared, nil)
		if errors.Is(err, exercise.ErrExercise) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatalf("fork %d: %v", i, err)
		}
		want := forkResult{Status: r.Status, SharedSeen: true, Inherited: true}
		if r != want {
			t.Fatalf("fork %d: got %+v, want %+v", i, r, want)
		}
	}
}

// TestCounterAtomicExact runs the counter with atomic increments in-process:
// the total must be exact.
func TestCounterAtomicExact(t *testing.T) {
	total, _, err := countOnce(3, 20000, true, false)
	if errors.Is(err, exercise.ErrExercise) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if total != 60000 {
		t.Errorf("total %d, want 60000", total)
	}
}

// BenchmarkForkWait measures one raw fork of this process, the child's
// work, and wait4: the price of a process, printed, never asserted.
func BenchmarkForkWait(b *testing.B) {
	shared, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
	if err != nil {
		b.Skip(err)
	}
	defer Unmap(shared)
	for b.Loop() {
		if _, err := forkOnce(shared, nil); err != nil {
			b.Fatal(err)
		}
	}
}
