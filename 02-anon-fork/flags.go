//go:build linux && (amd64 || arm64)

// The flags experiment: what MAP_ANONYMOUS really does with the fd and offset
// arguments of mmap (notes 001 §1.1.1.1, 000 part 4).

package main

import (
	"bytes"
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func runFlags(args []string) error {
	if err := cli.Want("flags", args, 0, 0); err != nil {
		return err
	}
	return flags()
}

func tourFlags() error {
	cli.Say("What makes a mapping anonymous? The notes say fd may be -1 and then")
	cli.Say("MAP_ANONYMOUS is required (001), and that MAP_ANON or fd -1 makes an anonymous")
	cli.Say("mapping (000 part 4). On Linux the flag decides, not the fd: fd -1 alone is")
	cli.Say("EBADF, and with the flag the fd is ignored. The offset is ignored too, but")
	cli.Say("only once it has passed the page-multiple check every mmap makes.")
	return flags()
}

func flags() error {
	ps := unix.Getpagesize()
	_, err := MapWith(-1, 0, ps, unix.MAP_SHARED)
	cli.Fact("fd -1 without MAP_ANONYMOUS", mapOutcome(err))
	if err != nil && !errors.Is(err, unix.EBADF) {
		return err
	}

	// A file full of 'F': does MAP_ANONYMOUS with its fd show it?
	f, err := os.CreateTemp("", "anonfork-flags-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(bytes.Repeat([]byte{'F'}, 2*ps)); err != nil {
		return err
	}
	m, err := MapWith(int(f.Fd()), 0, ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with the fd of a file", mapOutcome(err))
	if err != nil {
		return err
	}
	cli.Fact("the mapping shows the file", cli.YesNo(bytes.IndexByte(m, 'F') >= 0))
	cli.Fact("the mapping is all zero", cli.YesNo(allZero(m)))
	m[0] = 'A'
	var one [1]byte
	if _, err := f.ReadAt(one[:], 0); err != nil {
		return err
	}
	cli.Fact("a write reaches the file", cli.YesNo(one[0] == 'A'))
	Unmap(m)

	m, err = MapWith(-1, int64(ps), ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with offset one page", mapOutcome(err))
	if err == nil {
		Unmap(m)
	}
	_, err = MapWith(-1, 100, ps, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	cli.Fact("MAP_ANONYMOUS with offset 100", mapOutcome(err))
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	cli.Fact("MAP_ANON is MAP_ANONYMOUS", cli.YesNo(unix.MAP_ANON == unix.MAP_ANONYMOUS))
	return nil
}

// mapOutcome is "ok" or the errno symbol of a failed mmap.
func mapOutcome(err error) string {
	return cli.OutcomeOr(err, "ok")
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
