//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"testing"

	"shmlab/internal/scripttest"
)

// TestMain registers this chapter's program as the command `shmfifo` of the
// scenarios, next to the helpers (`unpriv`).
func TestMain(m *testing.M) {
	scripttest.Main(m, map[string]func(){"shmfifo": main})
}

// TestScripts runs the graded scenarios and prints the grade line.
func TestScripts(t *testing.T) { scripttest.Graded(t, "06-shmfifo") }

// TestCLI runs the scenarios about the command line alone (not graded).
func TestCLI(t *testing.T) { scripttest.Ungraded(t) }

// TestREADME checks that the README shows what the tour really prints and
// the experiments -h lists.
func TestREADME(t *testing.T) {
	scripttest.CheckHelp(t, "shmfifo", "README.md")
	scripttest.CheckTour(t, "shmfifo", "README.md", "key")
}

// TestDeclarations checks that every experiment's usage line shows the
// flags it declares, and only those.
func TestDeclarations(t *testing.T) { scripttest.CheckProgram(t, program) }

// BenchmarkTransfer moves size-byte messages from this process to a child
// process through each mechanism of `shmfifo bench`; b.N messages per run,
// timed from the child's "ready" to its "done". It prints numbers only.
func BenchmarkTransfer(b *testing.B) {
	for _, size := range []int{64, 4096, 65536} {
		for _, mech := range mechanisms {
			b.Run(fmt.Sprintf("%s/%d", mech, size), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.StopTimer()
				r, err := benchOne(mech, size, b.N, b.StartTimer, b.StopTimer)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.msgsPerSec, "msgs/s")
			})
		}
	}
}

// BenchmarkPingPong times round trips (a message to a child process and
// back) through two FIFOs or two pipes, as `shmfifo bench -pingpong` does.
func BenchmarkPingPong(b *testing.B) {
	for _, size := range []int{64, 4096} {
		for _, mech := range pingMechanisms {
			b.Run(fmt.Sprintf("%s/%d", mech, size), func(b *testing.B) {
				b.StopTimer()
				if _, err := pingOne(mech, size, b.N, b.StartTimer, b.StopTimer); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
