//go:build linux && (amd64 || arm64)

// `shmfifo verify`: a tool that checks what consumers printed (one FILE per
// consumer) for torn, duplicated, reordered and missing messages, the
// generated messages of `put -gen` (gen.go). Every file is a regular file
// (a named pipe would block the open), read a line at a time, and no line
// may be longer than the largest block.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

const (
	// maxBlksize is the largest block init makes: every get copies a
	// whole block, and verify reads no line longer than this.
	maxBlksize = 16 << 20
	// verifyMaxMessages bounds what verify checks: lines read in all, and
	// producers × count.
	verifyMaxMessages = 1 << 24
	// verifyMaxBytes bounds the bytes -blksize makes verify generate for
	// the checksum (producers × count × blksize).
	verifyMaxBytes = 1 << 32
)

func verifyCmd(f *cli.Flags) cli.Action {
	producers := f.Int("producers", 0, 1, verifyMaxMessages, "producers 1..N each put -count messages")
	count := f.Int("count", 0, 1, verifyMaxMessages, "messages per producer (producers × count at most 16M)")
	blksize := f.Int("blksize", 0, genMinBlksize, maxBlksize, "block size, for the expected checksum")
	f.Args(1, -1) // FILE...
	return func(files []string) error {
		np, n, bs := int(*producers), int(*count), int(*blksize)
		if err := verifyBounds(np, n, bs); err != nil {
			return err
		}
		// Read every consumer's lines, in the order it printed them.
		d, lines := newDelivery(), 0
		for _, p := range files {
			if err := readLines(p, &lines, func(l string, last map[int]int) { d.add(last, l) }); err != nil {
				return err
			}
		}
		cli.Fact("messages", d.messages)
		cli.Fact("torn", d.torn)
		cli.Fact("duplicates", d.duplicates)
		cli.Fact("out of order", d.outOfOrder)
		// Against what the producers put, if we are told.
		clean := d.torn == 0 && d.duplicates == 0 && d.outOfOrder == 0
		if np > 0 {
			clean = verifyAgainst(d, np, n, bs) && clean
		}
		if !clean { // exit 1, so that a shell or a script can tell
			return errors.New("verify: the messages are not what the producers put (the counts above say how)")
		}
		return nil
	}
}

// verifyBounds refuses flags that make no sense together, and work that
// would take hours: -producers and -count go together, -blksize with them.
func verifyBounds(np, n, blksize int) error {
	switch {
	case (np == 0) != (n == 0):
		return cli.Usagef("verify: -producers N and -count N go together")
	case blksize > 0 && np == 0:
		return cli.Usagef("verify: -blksize needs -producers and -count (it is for their checksum)")
	case np*n > verifyMaxMessages:
		return cli.Usagef("verify: -producers %d × -count %d is %d messages: at most %d", np, n, np*n, verifyMaxMessages)
	case uint64(np*n)*uint64(blksize) > verifyMaxBytes:
		return cli.Usagef("verify: the checksum of %d messages of %d bytes needs %d bytes generated: at most %d (fewer messages, or no -blksize)",
			np*n, blksize, uint64(np*n)*uint64(blksize), uint64(verifyMaxBytes))
	}
	return nil
}

// verifyAgainst prints what is missing or unexpected against producers
// 1..np having put n messages each, and whether the checksum matches; it
// reports whether nothing was wrong.
func verifyAgainst(d *delivery, np, n, blksize int) bool {
	missing := 0
	var want uint64
	for id := 1; id <= np; id++ {
		for s := 1; s <= n; s++ {
			if !d.seen[[2]int{id, s}] {
				missing++
			}
			if blksize > 0 {
				m := genMessage(id, s, blksize)
				c, _ := strconv.ParseUint(string(m[len(m)-8:]), 16, 32)
				want += c
			}
		}
	}
	extra := 0
	for k := range d.seen {
		if k[0] < 1 || k[0] > np || k[1] > n {
			extra++
		}
	}
	cli.Fact("missing", missing)
	cli.Fact("unexpected", extra)
	if blksize > 0 {
		cli.Fact("checksum", map[bool]string{true: "ok", false: "bad"}[want == d.crcSum])
	}
	return missing == 0 && extra == 0 && (blksize == 0 || want == d.crcSum)
}

// readLines hands each line of one consumer's file to add, with that
// consumer's own record of the last sequence number per producer. The file
// must be a regular file (cli.OpenRegular: a named pipe or a device is
// refused without blocking); a line may hold at most maxBlksize bytes, and
// all files together at most verifyMaxMessages lines (counted in *lines).
func readLines(path string, lines *int, add func(string, map[int]int)) error {
	f, err := cli.OpenRegular(path, unix.O_RDONLY)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	defer f.Close()
	last := map[int]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxBlksize+1)
	for sc.Scan() {
		if *lines++; *lines > verifyMaxMessages {
			return fmt.Errorf("verify %s: more than %d lines in all: more than verify checks", cli.Quote(path), verifyMaxMessages)
		}
		add(sc.Text(), last)
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("verify %s: line %d is longer than %d bytes, the largest block: not what a consumer printed", cli.Quote(path), *lines+1, maxBlksize)
	}
	return cli.Sys("read "+cli.Quote(path), "read", sc.Err())
}
