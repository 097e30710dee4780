//go:build linux && (amd64 || arm64)

// `shmfifo bench`: the comparison of course ep. 28 (pipe, message queue,
// shared memory), measured (001 §1.1: "shared memory is the fastest IPC").
// The same bytes go from this process to a child process through each
// mechanism (transfer.go); the clock runs from the child's "ready" to its
// "done" on a status pipe, so process start-up is not counted. -pingpong
// times round trips instead (pingpong.go). BENCH.md is a run of it.

package main

import (
	"fmt"
	"strings"

	"shmlab/internal/cli"
)

// mechanisms, in the order the table prints them. shmfifo is the course's
// (System V semaphores), shmfifo-psem the same ring with the three
// semaphores in the segment (-sync posix), shmfifo-posix the fast path
// (-sync posix -ring spsc). memcpy is no IPC: one core copying the same
// messages out of a ring of the same size, the ceiling for a copy.
var mechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "pipe", "unix-stream", "sysv-msg", "posix-mq", "memcpy"}

// fifoSync is the kind of FIFO each shmfifo mechanism uses (privateFifo).
var fifoSync = map[string]string{"shmfifo": "sysv", "shmfifo-psem": "posix", "shmfifo-posix": "spsc"}

// benchBlocks is the fewest blocks a benchmark FIFO has, and
// benchRingBytes the least it holds: a ring of 16 blocks of 64 bytes (one
// kilobyte) is full or empty after every few messages, so that each side
// waits on the other at almost every message. The pipe of the same row gets
// the same capacity (F_SETPIPE_SZ), so that neither has more room to run
// ahead in.
const (
	benchBlocks    = 16
	benchRingBytes = 256 << 10
)

// benchRing is the number of blocks of the benchmark's FIFOs for messages of
// size bytes.
func benchRing(size int) int { return max(benchBlocks, benchRingBytes/size) }

func benchCmd(f *cli.Flags) cli.Action {
	sizes := f.String("sizes", "LIST", "64,4096,65536", "message sizes in bytes, comma-separated (each at least 32)")
	total := f.Int("total", 4<<20, 1, 1<<34, "bytes to move per mechanism and size")
	csv := f.Bool("csv", "print CSV instead of a table")
	ping := f.Bool("pingpong", "time round trips (a message there and back) instead of one-way throughput")
	iters := f.Int("iters", 5000, 1, 1<<30, "round trips per mechanism and size, with -pingpong")
	return func([]string) error {
		var sz []int
		for _, s := range strings.Split(*sizes, ",") {
			v, err := cli.ParseCount("size", strings.TrimSpace(s), genMinBlksize, 16<<20)
			if err != nil {
				return err
			}
			sz = append(sz, int(v))
		}
		if *ping {
			return runPingPong(sz, int(*iters), *csv)
		}
		return runTransfer(sz, int(*total), *csv)
	}
}

// runTransfer prints the throughput table: every mechanism at every size.
func runTransfer(sizes []int, total int, csv bool) error {
	if csv {
		fmt.Println("mechanism,size,msgs_per_s,mb_per_s")
	} else {
		fmt.Printf("%-14s %8s %10s %12s %10s %8s %10s %16s\n", "mechanism", "size", "messages", "msgs/s", "MB/s", "x pipe", "futex/msg", "receiver cs/msg")
	}
	var notes []string
	for _, size := range sizes {
		var rows []benchResult
		for _, mech := range mechanisms {
			r, err := benchOne(mech, size, max(1, total/size), nil, nil)
			if err != nil {
				return err
			}
			rows = append(rows, r)
			notes = append(notes, r.notes()...)
		}
		printRows(rows, csv)
	}
	if !csv {
		fmt.Println("x pipe: messages per second against the pipe's, same size, same run")
		fmt.Println("futex/msg: FUTEX_WAIT + FUTEX_WAKE calls per message, both sides, counted in the segment (shmfifo: 4 semop per side, always)")
		fmt.Println("receiver cs/msg: context switches of the receiving process per message (getrusage)")
		for _, n := range notes {
			fmt.Println("note:", n)
		}
	}
	return nil
}

// notes says what the table cannot: the ring and pipe sizes, and the
// queues' splitting of large messages.
func (r benchResult) notes() []string {
	var n []string
	if r.mech == "pipe" {
		n = append(n, fmt.Sprintf("%d-byte messages: the FIFOs have %d blocks (%d KiB), the pipe holds %d KiB",
			r.size, benchRing(r.size), r.size*benchRing(r.size)>>10, r.pipeCap>>10))
	}
	if r.chunk < r.size {
		n = append(n, fmt.Sprintf("%s sent each %d-byte message as %d messages of %d bytes (the queue's message size limit)",
			r.mech, r.size, (r.size+r.chunk-1)/r.chunk, r.chunk))
	}
	return n
}

// printRows prints the rows of one size, as a table or CSV.
func printRows(rows []benchResult, csv bool) {
	pipe := 0.0
	for _, r := range rows {
		if r.mech == "pipe" {
			pipe = r.msgsPerSec
		}
	}
	for _, r := range rows {
		if csv {
			fmt.Printf("%s,%d,%.0f,%.1f\n", r.mech, r.size, r.msgsPerSec, r.mbPerSecond)
			continue
		}
		fx := "-"
		if r.futex >= 0 {
			fx = fmt.Sprintf("%.3f", r.futex)
		}
		fmt.Printf("%-14s %8d %10d %12.0f %10.1f %8.2f %10s %16.2f\n", r.mech, r.size, r.msgs, r.msgsPerSec, r.mbPerSecond,
			r.msgsPerSec/pipe, fx, r.switches)
	}
}
