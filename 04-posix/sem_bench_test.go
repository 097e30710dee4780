//go:build linux && (amd64 || arm64) && !exercise

package main

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// benchSem makes a semaphore of its own for a benchmark, removed afterwards.
func benchSem(b *testing.B, tag string, value uint32) *Sem {
	b.Helper()
	name := fmt.Sprintf("/shmlab-bench-%d-%s", os.Getpid(), tag)
	s, err := SemOpen(name, unix.O_CREAT|unix.O_EXCL, 0o600, value)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		SemClose(s)
		SemUnlink(name)
	})
	return s
}

// BenchmarkSemPostWait: a post then a wait with no one waiting: two
// compare-and-swaps, no system call.
func BenchmarkSemPostWait(b *testing.B) {
	s := benchSem(b, "pw", 0)
	for b.Loop() {
		if err := SemPost(s); err != nil {
			b.Fatal(err)
		}
		if err := SemWait(s, -1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSemPingPong: two threads hand a turn back and forth through two
// semaphores; each op is one round trip, where each side sleeps in
// FUTEX_WAIT and is woken by the other's FUTEX_WAKE (on 2 cores, often
// found already posted instead).
func BenchmarkSemPingPong(b *testing.B) {
	ping, pong := benchSem(b, "ping", 0), benchSem(b, "pong", 0)
	done := make(chan error)
	n := b.N
	go func() {
		runtime.LockOSThread()
		for i := 0; i < n; i++ {
			if err := SemWait(ping, -1); err != nil {
				done <- err
				return
			}
			if err := SemPost(pong); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		SemPost(ping)
		if err := SemWait(pong, -1); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPipePingPong: the same round trip with a byte through two pipes,
// for comparison (a read that blocks and a write that wakes it, always in
// the kernel).
func BenchmarkPipePingPong(b *testing.B) {
	var p1, p2 [2]int
	if err := unix.Pipe(p1[:]); err != nil {
		b.Fatal(err)
	}
	if err := unix.Pipe(p2[:]); err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, fd := range []int{p1[0], p1[1], p2[0], p2[1]} {
			unix.Close(fd)
		}
	}()
	n := b.N
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		buf := make([]byte, 1)
		for i := 0; i < n; i++ {
			if _, err := unix.Read(p1[0], buf); err != nil {
				done <- err
				return
			}
			if _, err := unix.Write(p2[1], buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := []byte{1}
	b.ResetTimer()
	for i := 0; i < n; i++ {
		if _, err := unix.Write(p1[1], buf); err != nil {
			b.Fatal(err)
		}
		if _, err := unix.Read(p2[0], buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
