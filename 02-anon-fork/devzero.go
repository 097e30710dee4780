//go:build linux && (amd64 || arm64)

// The devzero experiment: shared anonymous memory the way it was done before
// MAP_ANONYMOUS, by mapping /dev/zero MAP_SHARED (UNP2 §12.5; the notes,
// 000 part 4, speak of anonymous mappings only). A forked child shares it;
// another process does not.

package main

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func devzeroCmd(f *cli.Flags) cli.Action {
	return func(args []string) error { return devzero() }
}

func tourDevzero() error {
	cli.Say("Before MAP_ANONYMOUS, shared anonymous memory came from mapping /dev/zero")
	cli.Say("MAP_SHARED (UNP2 §12.5). Linux makes it the unnamed object a MAP_SHARED|")
	cli.Say("MAP_ANONYMOUS mapping gets (\"/dev/zero (deleted)\" in /proc/self/maps): a forked")
	cli.Say("child shares it; another process mapping /dev/zero gets zeros of its own.")
	return devzero()
}

func devzero() error {
	// Map /dev/zero and look at what /proc/self/maps puts behind it.
	before := openOn("/dev/zero")
	shared, err := MapDevZero(unix.Getpagesize())
	if err != nil {
		return cli.WithHints(cli.Sys("map /dev/zero", "mmap", err), map[unix.Errno]string{
			unix.ENOENT: "no /dev/zero here (some containers lack it)",
		})
	}
	defer Unmap(shared)
	cli.Fact("/dev/zero mapping in /proc/self/maps", backing(shared))
	// The mapping keeps the object alive: the descriptor is not needed.
	cli.Fact("descriptors on /dev/zero left open", openOn("/dev/zero")-before)

	// Fork: the child writes into it, the parent sees the write.
	r, err := forkOnce(shared, nil)
	if err != nil {
		return err
	}
	cli.Fact("child exit status", r.Status.ExitStatus())
	cli.Fact("shared write visible to parent", cli.YesNo(r.SharedSeen))

	// Another process maps /dev/zero itself (probeDevzeroPeek) and prints
	// what it finds there.
	res, err := fault.Run(probeDevzeroPeek)
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("devzero: the other process was killed by %s", unix.SignalName(res.Signal))
	}
	seen := strings.TrimSpace(res.Output) == msgChild
	cli.Fact("another process mapping /dev/zero sees the child's write", cli.YesNo(seen))
	return nil
}

const probeDevzeroPeek = "anonfork-devzero-peek"

func init() {
	// The other process of devzero: it maps /dev/zero itself and prints the
	// start of the page, up to the first zero byte.
	fault.Register(probeDevzeroPeek, func(args []string) error {
		b, err := MapDevZero(unix.Getpagesize())
		if err != nil {
			return cli.Sys("map /dev/zero", "mmap", err)
		}
		fmt.Println(cstring(b[:msgLen]))
		return nil
	})
}
