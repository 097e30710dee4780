//go:build linux && (amd64 || arm64)

// Checkable messages for the integrity and crash scenarios: each fills its
// block and carries its producer, its sequence number and a CRC-32 of the
// rest, so that a consumer's output shows any torn, duplicated, reordered or
// missing block. `shmfifo verify` (verify.go) reads what consumers printed.

package main

import (
	"fmt"
	"hash/crc32"
	"sort"
	"strconv"
	"strings"
)

// genMinBlksize leaves room for "ID SEQ " and " CRC32HEX".
const genMinBlksize = 32

// genMessage is message seq (from 1) of producer id, exactly blksize bytes:
// "id seq filler... crc" where the filler depends on id and seq.
func genMessage(id, seq, blksize int) []byte {
	head := fmt.Sprintf("%d %d ", id, seq)
	b := make([]byte, max(blksize-9, len(head)), blksize)
	n := copy(b, head)
	// The filler repeats every 26 bytes: write one period, then double it.
	for i := 0; n+i < len(b) && i < 26; i++ {
		b[n+i] = byte('a' + (id*7+seq*13+i)%26)
	}
	for done := min(26, len(b)-n); n+done < len(b); done *= 2 {
		copy(b[n+done:], b[n:n+done])
	}
	return fmt.Appendf(b, " %08x", crc32.ChecksumIEEE(b))
}

// parseMessage checks a generated message and returns its producer and
// sequence number; ok is false for a torn or foreign line.
func parseMessage(line string) (id, seq int, crc uint32, ok bool) {
	if len(line) < genMinBlksize-1 || line[len(line)-9] != ' ' {
		return 0, 0, 0, false
	}
	body, sum := line[:len(line)-9], line[len(line)-8:]
	c, err := strconv.ParseUint(sum, 16, 32)
	if err != nil || uint32(c) != crc32.ChecksumIEEE([]byte(body)) {
		return 0, 0, 0, false
	}
	f := strings.Fields(body)
	if len(f) < 2 {
		return 0, 0, 0, false
	}
	id, err1 := strconv.Atoi(f[0])
	seq, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || id < 1 || seq < 1 {
		return 0, 0, 0, false
	}
	// The filler must be the one producer id wrote for seq.
	if string(genMessage(id, seq, len(line))) != line {
		return 0, 0, 0, false
	}
	return id, seq, uint32(c), true
}

// delivery is what a set of consumers printed, checked.
type delivery struct {
	messages, torn, duplicates, outOfOrder int
	seen                                   map[[2]int]bool
	maxSeq                                 map[int]int // per producer
	crcSum                                 uint64
}

// check reads each consumer's lines in the order it printed them.
func check(consumers [][]string) *delivery {
	d := newDelivery()
	for _, lines := range consumers {
		last := map[int]int{} // per producer, in this consumer
		for _, l := range lines {
			d.add(last, l)
		}
	}
	return d
}

func newDelivery() *delivery {
	return &delivery{seen: map[[2]int]bool{}, maxSeq: map[int]int{}}
}

// add checks the next line of one consumer; last holds, per producer, the
// sequence number that consumer took last.
func (d *delivery) add(last map[int]int, l string) {
	id, seq, crc, ok := parseMessage(l)
	if !ok {
		d.torn++
		return
	}
	d.messages++
	if d.seen[[2]int{id, seq}] {
		d.duplicates++
		return
	}
	d.seen[[2]int{id, seq}] = true
	d.crcSum += uint64(crc)
	if seq <= last[id] {
		d.outOfOrder++
	}
	last[id] = seq
	d.maxSeq[id] = max(d.maxSeq[id], seq)
}

// gaps counts the sequence numbers of producer id below its highest
// delivered one that were never delivered.
func (d *delivery) gaps(id int) int {
	n := 0
	for s := 1; s < d.maxSeq[id]; s++ {
		if !d.seen[[2]int{id, s}] {
			n++
		}
	}
	return n
}

func (d *delivery) producers() []int {
	var ids []int
	for id := range d.maxSeq {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
