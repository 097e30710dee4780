//go:build linux && (amd64 || arm64)

// The fault probes of chapter 01. Each runs in a child process (see
// internal/fault): it sets the scene with the lesson's functions and then
// makes the access that faults, announced so the parent can name its offset.

package main

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/fault"
)

func init() {
	fault.Register("pages-past-file", probePastFile)
	fault.Register("pages-past-mapping", probePastMapping)
	fault.Register("protect-write", probeProtectWrite)
	fault.Register("protect-none", probeProtectNone)
	fault.Register("unmap-access", probeUnmapAccess)
	fault.Register("map-and-exit", probeMapAndExit)
	fault.Register("locked-over-limit", probeLockedOverLimit)
}

// A 2-page mapping of a file shorter than a page: the second page has no
// file behind it, and touching it raises SIGBUS.
func probePastFile(args []string) error {
	ps := PageSize()
	m, err := MapFile(args[0], 0, 2*ps, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	fault.Read(m, 0)
	fault.Read(m, ps)
	return nil
}

// Past the mapping itself there is nothing: SIGSEGV. The second page of a
// 2-page mapping is unmapped to make sure no other mapping sits there.
func probePastMapping(args []string) error {
	ps := PageSize()
	m, err := MapFile(args[0], 0, 2*ps, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	if err := Unmap(m[ps:]); err != nil {
		return err
	}
	fault.Read(m, 0)
	fault.Read(m, ps)
	return nil
}

func probeProtectWrite(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	fault.Write(m, 0, 'A')
	if err := Protect(m, unix.PROT_READ); err != nil {
		return err
	}
	fault.Read(m, 0)
	fault.Write(m, 0, 'B')
	return nil
}

func probeProtectNone(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	if err := Protect(m, unix.PROT_NONE); err != nil {
		return err
	}
	fault.Read(m, 0)
	return nil
}

func probeUnmapAccess(args []string) error {
	m, err := MapAnon(PageSize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	fault.Write(m, 0, 'A')
	if err := Unmap(m); err != nil {
		return err
	}
	fault.Read(m, 0)
	return nil
}

// Map a file, show it in /proc/self/maps, and exit without munmap.
func probeMapAndExit(args []string) error {
	m, err := MapFile(args[0], 0, 1, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	if ok, err := mappedAnywhere(args[0]); err != nil || !ok {
		return fmt.Errorf("the child's mapping of %s is not in /proc: %v", args[0], err)
	}
	_ = unsafe.SliceData(m)
	fmt.Println("yes")
	return nil
}

// Lower RLIMIT_MEMLOCK to 64 KiB and map 1 MiB MAP_LOCKED. Run unprivileged.
func probeLockedOverLimit(args []string) error {
	err := locked(1<<20, 64<<10)
	if errors.Is(err, unix.EAGAIN) {
		fmt.Fprintf(os.Stdout, "error: %v\n", err)
		return nil
	}
	return err
}
