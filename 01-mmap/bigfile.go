//go:build linux && (amd64 || arm64)

// bigfile: reading a big file by mapping it, one of the uses of mmap notes
// 000 part 1 lists, beside read(2). read() copies every byte from the page
// cache into the program's buffer, a call per buffer; a mapping makes the
// page-cache pages part of the address space with one mmap, and each page
// is reached by a page fault (the kernel maps several pages per fault), with
// no copy. What is measured here is counted (calls, bytes copied, faults),
// never timed: timings belong to benchmarks.

package main

import (
	"fmt"
	"hash/crc32"
	"io"
	"runtime"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// readBuf is the buffer size of the read() side.
const readBuf = 64 << 10

func bigfileCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // FILE
	return func(args []string) error { return bigfile(args[0]) }
}

func tourBigfile() error {
	path, done, err := tempFile("", string(make([]byte, 1<<20)))
	if err != nil {
		return err
	}
	defer done()
	cli.Say("A 1 MiB file read with read() (a 64 KiB buffer) and through one mapping: the same")
	cli.Say("bytes; read() copied them all, the mapping took one mmap and no copy.")
	return bigfile(path)
}

func bigfile(path string) (err error) {
	size, err := wholeFile(path, false)
	if err != nil {
		return err
	}
	if size == 0 {
		return fmt.Errorf("bigfile %s: an empty file: nothing to read", cli.Quote(path))
	}
	cli.Fact("file size", size)
	cli.Fact("pages in the file", (size+PageSize()-1)/PageSize())
	sumR, calls, err := readAll(path)
	if err != nil {
		return err
	}
	cli.Fact("read(): calls", calls)
	cli.Fact("read(): bytes copied into the buffer", size)

	m, err := MapFile(path, 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return mapFileErr(path, err)
	}
	defer unmapAtEnd(m, &err)
	var sumM uint32
	faults, err := minorFaults(func() error {
		return guard("read", path, 0, m, func() { sumM = crc32.ChecksumIEEE(m) })
	})
	if err != nil {
		return err
	}
	cli.Fact("mapping: mmap calls", 1)
	cli.Fact("mapping: page faults while reading it", faults)
	cli.Fact("same bytes both ways (crc32)", cli.YesNo(sumR == sumM))
	return nil
}

// readAll reads the file with read(2) into a readBuf buffer until end of
// file, and returns the crc32 of what it read and the number of calls
// (the last one returns 0: end of file).
func readAll(path string) (uint32, int, error) {
	f, err := cli.OpenRegular(path, unix.O_RDONLY)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, readBuf)
	h := crc32.NewIEEE()
	calls := 0
	for {
		n, err := f.Read(buf)
		calls++
		h.Write(buf[:n])
		if err == io.EOF {
			return h.Sum32(), calls, nil
		}
		if err != nil {
			return 0, 0, cli.Sys("read "+cli.Quote(path), "read", err)
		}
	}
}

// minorFaults runs f on this thread alone and returns the minor page faults
// the kernel counted for the thread meanwhile (getrusage RUSAGE_THREAD).
func minorFaults(f func() error) (int64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &before); err != nil {
		return 0, cli.Sys("count page faults", "getrusage", err)
	}
	if err := f(); err != nil {
		return 0, err
	}
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &after); err != nil {
		return 0, cli.Sys("count page faults", "getrusage", err)
	}
	return after.Minflt - before.Minflt, nil
}
