//go:build linux && (amd64 || arm64)

// The fork experiment: a raw fork of this Go program, and what parent and
// child see of a MAP_SHARED and a MAP_PRIVATE anonymous page afterwards
// (notes 000 part 4: 读时共享、写时复制; 001 §1.1.1.1 MAP_ANONYMOUS).

package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func forkCmd(f *cli.Flags) cli.Action {
	file := f.Bool("file", "share a page of a temporary file (MAP_SHARED) instead of MAP_SHARED|MAP_ANONYMOUS memory")
	hold := f.Hold("the forked child waiting for the parent's byte (its pid printed)")
	ready := f.Ready("the child is forked (with -hold)")
	return func(args []string) error {
		if *ready != "" && !*hold {
			return cli.Usagef("fork: -ready goes with -hold")
		}
		if *hold {
			return forkExp(*file, holdChild(*ready))
		}
		return forkExp(*file, nil)
	}
}

func tourFork() error {
	cli.Say("Map one page MAP_SHARED|MAP_ANONYMOUS and one MAP_PRIVATE|MAP_ANONYMOUS, write")
	cli.Say("into the private one, and fork with the raw clone system call. The child")
	cli.Say("writes into both pages; the parent writes into the private page again after")
	cli.Say("the fork. The notes say parent and child memory is read-shared and")
	cli.Say("copy-on-write (读时共享、写时复制), so mappings are \"always shared\": that is")
	cli.Say("true of MAP_SHARED pages only. A MAP_PRIVATE page is copied by the first write")
	cli.Say("on either side, and from then on each process has its own.")
	return forkExp(false, nil)
}

func forkExp(file bool, hold holdFunc) error {
	// The shared page, anonymous or a file's: /proc/self/maps shows what
	// Linux puts behind it.
	var shared []byte
	var f *os.File
	if file {
		m, tmp, done, err := mapTempFile()
		if err != nil {
			return err
		}
		defer done()
		shared, f = m, tmp
		cli.Fact("shared file page in /proc/self/maps is the file", cli.YesNo(backing(m) == f.Name()))
	} else {
		m, err := MapAnon(unix.Getpagesize(), unix.MAP_SHARED)
		if err != nil {
			return cli.Sys("map a shared anonymous page", "mmap", err)
		}
		defer Unmap(m)
		shared = m
		cli.Fact("shared anonymous page in /proc/self/maps", backing(shared))
	}

	// Fork; the child writes into both pages, the parent into the private
	// one again (forkonce.go).
	r, err := forkOnce(shared, hold)
	if err != nil {
		return err
	}
	cli.Fact("child exit status", r.Status.ExitStatus())
	cli.Fact("shared write visible to parent", cli.YesNo(r.SharedSeen))
	cli.Fact("private write visible to parent", cli.YesNo(r.PrivateSeen))
	cli.Fact("private page inherited by child", cli.YesNo(r.Inherited))
	cli.Fact("parent write after fork visible to child", cli.YesNo(r.AfterForkSeen))
	if f != nil {
		cli.Fact("child's write in the file (pread)", cli.YesNo(fileHolds(f, msgChild)))
	}
	return nil
}

// mapTempFile makes a one-page temporary file (removed when done, or when
// the program is interrupted) and maps it MAP_SHARED (MapWith).
func mapTempFile() ([]byte, *os.File, func(), error) {
	f, err := os.CreateTemp("", "anonfork-fork-")
	if err != nil {
		return nil, nil, nil, cli.Sys("make a temporary file in "+cli.Quote(os.TempDir()), "open", err)
	}
	remove := cli.Made(func() { os.Remove(f.Name()) })
	ps := unix.Getpagesize()
	if err := f.Truncate(int64(ps)); err != nil {
		f.Close()
		remove()
		return nil, nil, nil, err
	}
	m, err := MapWith(int(f.Fd()), 0, ps, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		remove()
		return nil, nil, nil, cli.Sys("map "+cli.Quote(f.Name()), "mmap", err)
	}
	return m, f, func() { Unmap(m); f.Close(); remove() }, nil
}

// fileHolds reports whether the file starts with s, read with pread(2):
// the file itself, not the mapping.
func fileHolds(f *os.File, s string) bool {
	buf := make([]byte, len(s))
	n, _ := f.ReadAt(buf, 0)
	return string(buf[:n]) == s
}

// holdChild is fork -hold: once the child has written, print its pid and
// how many of descriptors 0-2 it still has, write the ready file, and wait
// for SIGINT or SIGTERM before the parent lets the child go on.
func holdChild(ready string) holdFunc {
	return func(child int, shared []byte) error {
		cli.Fact("child pid", child)
		open, err := childStdOpen(child, shared)
		if err != nil {
			return err
		}
		cli.Fact("child descriptors 0-2 open", open)
		cli.Say("The child waits for the parent's byte on a pipe; kill this process and")
		cli.Say("PR_SET_PDEATHSIG kills the child too.")
		if err := cli.Ready(ready); err != nil {
			return err
		}
		cli.Hold()
		return nil
	}
}

// childStdOpen counts which of descriptors 0, 1 and 2 the forked child
// still has (/proc/PID/fd), once it has written its message into the
// shared page: by then childSetup has closed them.
func childStdOpen(pid int, shared []byte) (int, error) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		msg, err := readString(shared, 0, msgLen)
		if err != nil {
			return 0, fmt.Errorf("fork: read the shared page: %w", err)
		}
		if msg == msgChild {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("fork: the child %d wrote nothing in 10s", pid)
		}
	}
	open := 0
	for fd := 0; fd < 3; fd++ {
		if _, err := os.Lstat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd)); err == nil {
			open++
		}
	}
	return open, nil
}
