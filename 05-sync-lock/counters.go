//go:build linux && (amd64 || arm64)

// What the kernel says about a range of memory, for the facts of every
// experiment: smaps' dirty and locked counters over a range, and VmLck. None
// of it is the lesson; it is how the lesson is seen.

package main

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

// span is the address range of b.
func span(b []byte) (start, end uintptr) {
	start = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return start, start + uintptr(len(b))
}

// rangeStats sums the smaps counters of every mapping overlapping b. mlock
// and munlock of part of a mapping split it, so one range may be several
// mappings; n says how many.
type rangeStats struct {
	n      int   // mappings overlapping the range
	dirty  int64 // kB: Shared_Dirty + Private_Dirty
	locked int64 // kB: Locked
}

func statsOf(b []byte) (rangeStats, error) {
	ms, err := procfs.Smaps("self")
	if err != nil {
		return rangeStats{}, err
	}
	start, end := span(b)
	var s rangeStats
	for _, m := range procfs.Overlapping(ms, start, end) {
		s.n++
		// A page of a MAP_SHARED file mapping that only this process maps
		// is counted as Private_Dirty: "private" in smaps means mapped once.
		s.dirty += m.SharedDirty + m.PrivateDirty
		s.locked += m.Locked
	}
	if s.n == 0 {
		return s, fmt.Errorf("no mapping at %#x in /proc/self/smaps", start)
	}
	return s, nil
}

// kB formats a counter the way /proc prints it.
func kB(n int64) string { return fmt.Sprintf("%d kB", n) }

func dirtyFact(name string, b []byte) error {
	s, err := statsOf(b)
	if err != nil {
		return err
	}
	cli.Fact(name, kB(s.dirty))
	return nil
}

func lockedFact(name string, b []byte) error {
	s, err := statsOf(b)
	if err != nil {
		return err
	}
	cli.Fact(name, kB(s.locked))
	return nil
}

func vmLckFact(name string) error {
	n, err := procfs.VmLck()
	if err != nil {
		return err
	}
	cli.Fact(name, kB(n))
	return nil
}

// outcome is the value of a fact about a call that may fail on purpose:
// "ok", or the errno symbol ("ENOMEM"). An error without an errno is a real
// failure and is returned.
func outcome(err error) (string, error) {
	if err == nil {
		return "ok", nil
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return cli.ErrnoName(errno), nil
	}
	return "", err
}
