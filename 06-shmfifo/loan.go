//go:build linux && (amd64 || arm64)

// `shmfifo loan`: the SPSC ring's loan (RingReserve, RingCommit, RingPeek,
// RingRelease; lab_fast.go) from the command line. The producer builds each
// message in the block itself and the consumer checks it where it lies: no
// copy on either side, where put and get copy each message in and out.
//
// A block as -put writes it (blksize 16 or more, native endian):
//
//	+0   seq      uint64: 1 for this producer's first message, 2, ...
//	+8   crc      uint32: CRC-32 (IEEE) of the payload
//	+12  payload  a pattern of seq, to the end of the block
//
// The payload is written from its last byte to its first, then crc, then
// seq: a block looked at before it is whole shows an old seq or a crc that
// does not match, whatever moment it is looked at.

package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"shmlab/internal/cli"
)

const (
	loanHeader     = 12 // seq and crc
	loanMinBlksize = 16
	maxSpin        = time.Second // the longest -spin
)

func loanCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	put := f.Int("put", 0, 1, 1<<31-1, "producer: reserve N blocks, fill each in place (seq, CRC-32, pattern), commit each")
	get := f.Int("get", 0, 1, 1<<31-1, "consumer: peek N blocks, check each in place (seq, CRC-32), release each")
	hold := f.Bool("hold-reserved", "with -put: reserve the last block, fill half of it, never commit; hold until killed")
	iters := f.Int("iters", 1, 1, 1000, "with -get: check each block this many times before releasing it (a slower consumer)")
	misuse := f.Bool("misuse", "call the loan out of order (commit without reserve, a second reserve, ...) and say what each call did")
	timeout := f.Timeout(cli.Forever, "a free block (-put) or a filled one (-get) does not come")
	spin := f.Duration("spin", 0, "Fifo.SpinMax: how long a wait spins before FUTEX_WAIT (0: adaptive; negative: never)")
	ready := f.Ready("the FIFO is open (-get), the first block is committed (-put), or the last is held reserved")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "loan", args, 0, 0)
		if err != nil {
			return err
		}
		modes := 0
		for _, on := range []bool{*put != 0, *get != 0, *misuse} {
			if on {
				modes++
			}
		}
		switch {
		case modes != 1:
			return cli.Usagef("loan: one of -put N, -get N or -misuse")
		case *hold && *put == 0:
			return cli.Usagef("loan: -hold-reserved goes with -put N")
		case f.Given("iters") && *get == 0:
			return cli.Usagef("loan: -iters goes with -get N")
		case *spin > maxSpin:
			return cli.Usagef("loan: -spin %v: at most %v (a spin burns a CPU all that time)", *spin, maxSpin)
		}
		fifo, err := openFifo(key)
		if err != nil {
			return err
		}
		defer fifo.Close()
		if !fifo.SPSC {
			return fmt.Errorf("loan FIFO key %s: a loan is a block of an SPSC ring (init -sync posix -ring spsc), this FIFO is %s", KeyString(key), fifo.describe())
		}
		fifo.SpinMax = *spin
		switch {
		case *misuse:
			return loanMisuse(fifo)
		case *get != 0:
			return loanGet(fifo, *get, int(*iters), *timeout, *ready)
		}
		return loanPut(fifo, *put, *hold, *timeout, *ready)
	}
}

// loanPut fills n blocks in place as this ring's producer; with hold, the
// last one is reserved and half filled, and never committed.
func loanPut(f *Fifo, n int64, hold bool, timeout time.Duration, ready string) error {
	if f.Blksize < loanMinBlksize {
		return fmt.Errorf("loan -put: blksize %d is too small for a sequence number and a checksum (at least %d)", f.Blksize, loanMinBlksize)
	}
	if err := f.claim(offProd, "producer"); err != nil {
		return fifoErr(f, "put", err, timeout)
	}
	put := int64(0)
	defer func() { cli.Fact("put", put) }()
	for seq := uint64(1); seq <= uint64(n); seq++ {
		// Reserve: the block itself, or a wait for room.
		b, err := f.RingReserve(timeout)
		if err != nil {
			return fifoErr(f, "put", err, timeout)
		}
		if hold && seq == uint64(n) {
			// Killed here, half way through the fill: nothing is published.
			loanPattern(b[loanHeader:], seq, len(b)/16)
			cli.Fact("reserved", 1)
			if err := cli.Ready(ready); err != nil {
				return err
			}
			cli.Hold()
			return nil
		}
		// Fill in place, then publish.
		loanFill(b, seq)
		if err := f.RingCommit(); err != nil {
			return fifoErr(f, "put", err, timeout)
		}
		if put++; put == 1 && !hold {
			if err := cli.Ready(ready); err != nil {
				return err
			}
		}
	}
	return nil
}

// loanGet checks n blocks in place as this ring's consumer, each iters
// times, expecting seq 1, 2, ..., and says what it found.
func loanGet(f *Fifo, n int64, iters int, timeout time.Duration, ready string) error {
	if err := f.claim(offCons, "consumer"); err != nil {
		return fifoErr(f, "get", err, timeout)
	}
	if err := cli.Ready(ready); err != nil {
		return err
	}
	var msgs, badSum, badSeq int64
	defer func() {
		cli.Fact("messages", msgs)
		cli.Fact("checksum errors", badSum)
		cli.Fact("sequence errors", badSeq)
	}()
	for want := uint64(1); want <= uint64(n); want++ {
		// Peek: the block itself, or a wait for one.
		b, err := f.RingPeek(timeout)
		if err != nil {
			return fifoErr(f, "get", err, timeout)
		}
		// Check in place, then give the block back.
		sumOK, seqOK := loanCheck(b, want, iters)
		if !sumOK {
			badSum++
		}
		if !seqOK {
			badSeq++
		}
		if err := f.RingRelease(); err != nil {
			return fifoErr(f, "get", err, timeout)
		}
		msgs++
	}
	return nil
}

// loanFill writes message seq into block b: the payload from the end, then
// its CRC-32, then seq.
func loanFill(b []byte, seq uint64) {
	p := b[loanHeader:]
	loanPattern(p, seq, 0)
	binary.NativeEndian.PutUint32(b[8:], crc32.ChecksumIEEE(p))
	binary.NativeEndian.PutUint64(b, seq)
}

// loanPattern writes seq's pattern into p from its last byte down to
// 8-byte word from: word i is seq*loanMul + i (the bytes after the last
// whole word are the start of the next word's value).
func loanPattern(p []byte, seq uint64, from int) {
	n := len(p) / 8
	if r := len(p) % 8; r > 0 {
		var w [8]byte
		binary.NativeEndian.PutUint64(w[:], seq*loanMul+uint64(n))
		copy(p[8*n:], w[:r])
	}
	for i := n - 1; i >= from; i-- {
		binary.NativeEndian.PutUint64(p[8*i:], seq*loanMul+uint64(i))
	}
}

const loanMul = 0x9e3779b97f4a7c15 // any odd number: a different pattern for each seq

// loanCheck checks block b in place iters times: its crc against its
// payload, and its seq, read before and after, against want.
func loanCheck(b []byte, want uint64, iters int) (sumOK, seqOK bool) {
	seq, sum := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint32(b[8:])
	sumOK = true
	for range iters {
		if crc32.ChecksumIEEE(b[loanHeader:]) != sum {
			sumOK = false
		}
	}
	return sumOK, seq == want && binary.NativeEndian.Uint64(b) == want
}

// loanMisuse calls the loan out of order on an empty ring (it takes both
// sides) and says what each call did: ok, or refused.
func loanMisuse(f *Fifo) error {
	for _, side := range []struct {
		off  int
		role string
	}{{offProd, "producer"}, {offCons, "consumer"}} {
		if err := f.claim(side.off, side.role); err != nil {
			return fifoErr(f, "put", err, 0)
		}
	}
	say := func(name string, err error) { cli.Fact(name, cli.OutcomeOr(err, "ok")) }
	refused := func(name string, err error) {
		cli.Fact(name, map[bool]string{true: "refused", false: "accepted"}[err != nil])
	}
	refused("commit without reserve", f.RingCommit())
	refused("release without peek", f.RingRelease())
	b, err := f.RingReserve(0)
	say("reserve", err)
	if err != nil {
		return fifoErr(f, "put", err, 0)
	}
	loanFill(b, 1)
	_, err = f.RingReserve(0)
	refused("second reserve", err)
	refused("put during a reserve", f.RingPut([]byte("x"), 0))
	say("commit", f.RingCommit())
	refused("second commit", f.RingCommit())
	b, err = f.RingPeek(0)
	say("peek", err)
	if err != nil {
		return fifoErr(f, "get", err, 0)
	}
	_, err = f.RingPeek(0)
	refused("second peek", err)
	sumOK, seqOK := loanCheck(b, 1, 1)
	cli.Fact("block", map[bool]string{true: "whole", false: "torn"}[sumOK && seqOK])
	say("release", f.RingRelease())
	refused("second release", f.RingRelease())
	head, tail, err := f.ringState()
	if err != nil {
		return err
	}
	cli.Fact("head", head)
	cli.Fact("tail", tail)
	return nil
}
