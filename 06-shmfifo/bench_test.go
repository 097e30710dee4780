//go:build linux && (amd64 || arm64)

package main

import "testing"

// BenchmarkCacheLine bounces one cache line between this process and a
// child process, pinned to two CPUs as `shmfifo bench` pins them: b.N round
// trips, the floor under every round trip of BenchmarkPingPong (the
// cache-line row of `bench -pingpong`).
func BenchmarkCacheLine(b *testing.B) {
	b.StopTimer()
	if _, err := pingOne("cache-line", 64, b.N, b.StartTimer, b.StopTimer); err != nil {
		b.Fatal(err)
	}
}
