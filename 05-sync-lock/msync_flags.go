//go:build linux && (amd64 || arm64)

// msync-flags: msync checks its arguments (notes 001 §1.1.1.4: 0 on
// success, -1 on failure). MS_SYNC|MS_ASYNC together, an address not on a
// page boundary and an unknown flag are EINVAL; a range with a hole ENOMEM.

package main

import (
	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func msyncFlagsCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return msyncFlags() }
}

func tourMsyncFlags() error {
	cli.Say("msync checks its arguments: MS_SYNC and MS_ASYNC together, an address not on a")
	cli.Say("page boundary, or an unknown flag are EINVAL; a range with a hole is ENOMEM.")
	return msyncFlags()
}

func msyncFlags() (err error) {
	// Three pages of MAP_SHARED anonymous memory: never merged with a
	// neighbour, so the hole made below stays a hole.
	ps := PageSize()
	m, err := MapAnon(3*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map 3 pages of anonymous memory", "mmap", err)
	}
	defer unmapAtEnd(m, &err)

	// Each call, and what the kernel answers.
	steps := []struct {
		fact  string
		b     []byte
		flags int
	}{
		{"msync(MS_SYNC) of anonymous memory", m, unix.MS_SYNC},
		{"msync(MS_SYNC|MS_ASYNC)", m, unix.MS_SYNC | unix.MS_ASYNC},
		{"msync at an unaligned address", m[1:], unix.MS_SYNC},
		{"msync with an unknown flag (0x8)", m, 0x8},
	}
	for _, s := range steps {
		v, err := outcome(Sync(s.b, s.flags))
		if err != nil {
			return err
		}
		cli.Fact(s.fact, v)
	}

	// Unmap the middle page: the range now has a hole.
	if err := Unmap(m[ps : 2*ps]); err != nil {
		return cli.Sys("unmap the middle page", "munmap", err)
	}
	v, err := outcome(Sync(m, unix.MS_SYNC))
	if err != nil {
		return err
	}
	cli.Fact("msync over a range with an unmapped page", v)
	return nil
}
