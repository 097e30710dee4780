//go:build linux && (amd64 || arm64)

// `shmfifo verify`: a tool that checks what consumers printed (one FILE per
// consumer) for torn, duplicated, reordered and missing messages, the
// generated messages of `put -gen` (gen.go).

package main

import (
	"bufio"
	"os"
	"strconv"

	"shmlab/internal/cli"
)

func verifyCmd(f *cli.Flags) cli.Action {
	producers := f.Int("producers", 0, 0, 1<<20, "producers 1..N each put -count messages")
	count := f.Int("count", 0, 0, 1<<31-1, "messages per producer")
	blksize := f.Int("blksize", 0, 0, 1<<32-1, "block size, for the expected checksum")
	f.Args(1, -1) // FILE...
	return func(files []string) error {
		// Read every consumer's lines, in the order it printed them.
		var all [][]string
		for _, p := range files {
			lines, err := readLines(p)
			if err != nil {
				return err
			}
			all = append(all, lines)
		}
		d := check(all)
		cli.Fact("messages", d.messages)
		cli.Fact("torn", d.torn)
		cli.Fact("duplicates", d.duplicates)
		cli.Fact("out of order", d.outOfOrder)
		// Against what the producers put, if we are told.
		if *producers > 0 {
			verifyAgainst(d, int(*producers), int(*count), int(*blksize))
		}
		return nil
	}
}

// verifyAgainst prints what is missing or unexpected against producers
// 1..np having put n messages each, and whether the checksum matches.
func verifyAgainst(d *delivery, np, n, blksize int) {
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
}

// readLines reads a file's lines, however long.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}
