//go:build linux && (amd64 || arm64)

// The probes of chapter 04: code that runs in a child process (see
// internal/fault), either because it may fault (a page lost under a live
// mapping) or because it must run as another user (modes).

package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/fault"
)

func init() {
	fault.Register("truncate-shrink", probeShrink)
	fault.Register("modes-other", probeModesOther)
}

// probeShrink NAME OLD NEW: map OLD bytes, shrink the object to NEW under
// that live mapping, and touch the first page that is gone: SIGBUS.
func probeShrink(args []string) error {
	old, _ := strconv.ParseInt(args[1], 10, 64)
	size, _ := strconv.ParseInt(args[2], 10, 64)
	fd, err := ShmOpen(args[0], unix.O_RDWR, 0)
	if err != nil {
		return err
	}
	m, err := Map(fd, 0, int(old), unix.PROT_READ)
	if err != nil {
		return err
	}
	if err := Resize(fd, size); err != nil {
		return err
	}
	if size > 0 {
		fault.Read(m, 0) // still there
	}
	fault.Read(m, int(pageUp(size)))
	return nil
}

// probeModesOther NAME...: as the other user, try O_RDONLY and O_RDWR on
// each object and print "NAME O_RDONLY-result O_RDWR-result"; then try to
// shm_unlink the first one. The first line says who we are.
func probeModesOther(args []string) error {
	fmt.Printf("id %d %d\n", os.Geteuid(), os.Getegid())
	for _, name := range args {
		var res [2]string
		for i, flags := range []int{unix.O_RDONLY, unix.O_RDWR} {
			fd, err := ShmOpen(name, flags, 0)
			res[i] = errnoOf(err)
			if err == nil {
				unix.Close(fd)
			}
		}
		fmt.Printf("open %s %s %s\n", name, res[0], res[1])
	}
	fmt.Printf("unlink %s\n", errnoOf(ShmUnlink(args[0])))
	return nil
}
