//go:build linux && (amd64 || arm64)

// The truncate experiment (notes 001 §1.1.3.1): ftruncate sets the size.
// Growing adds pages that read as zero, but on tmpfs the last page of the
// object is kept as it is: bytes stored past the old end, inside that page
// (a mapping covers the whole page), are there when the object grows.
// Shrinking zeroes the tail of the new last page and throws the other pages
// away, even under a live mapping, and touching one of them then raises
// SIGBUS (in a child process, so that the fault is reported, not suffered).

package main

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() { fault.Register("truncate-shrink", probeShrink) }

func truncateCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 0, 0, 1<<40, "the new size in bytes; 0, the default, empties the object")
	f.Args(1, 1) // NAME
	return func(args []string) error { return truncate(args[0], *size) }
}

func tourTruncate() error {
	name := tourName("t")
	remove, err := newObject(name, 0)
	if err != nil {
		return err
	}
	defer remove()
	cli.Say("Growing adds pages that read as zero; shrinking works under a live mapping (a")
	cli.Say("child touches a lost page: SIGBUS). A byte stored at 4095, past the end but in")
	cli.Say("the last page (mapped whole), is there after growing: tmpfs keeps that page.")
	if err := truncate(name, 2*pageUp(1)); err != nil {
		return err
	}
	if err := truncate(name, 100); err != nil {
		return err
	}
	if err := storePastEnd(name, pageUp(1)-1, "Z"); err != nil {
		return err
	}
	return truncate(name, pageUp(1))
}

// storePastEnd stores text at off, past the end of the object name but
// inside its last page, through a shared mapping of that page.
func storePastEnd(name string, off int64, text string) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	m, rel, err := mapRange(name, fd, off, len(text), unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return err
	}
	defer Unmap(m)
	_, err = fault.Copy(m, m[rel:], []byte(text))
	return err
}

func truncate(name string, size int64) error {
	fd, st, err := openObject("truncate", name, unix.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	old := st.Size
	cli.Fact("size before", old)

	// Shrinking by a page or more: a child maps the old size, shrinks the
	// object under its own live mapping, and touches the first page gone.
	if pageUp(size) < old {
		res, err := fault.Run("truncate-shrink", name, strconv.FormatInt(old, 10), strconv.FormatInt(size, 10))
		if err != nil {
			return err
		}
		cli.Fact("touch a page lost under a live mapping", res)
	} else if err := Resize(fd, size); err != nil {
		return shmErr("set the size of "+cli.Quote(name), "ftruncate", err)
	}
	if st, err = Stat(fd); err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	cli.Fact("size after", st.Size)
	if size > old {
		return checkZeros(name, fd, old, size)
	}
	return nil
}

// checkZeros maps the bytes that growing the object added (the first 64 KiB
// of them: reading a page of tmpfs allocates it) and says if all are zero,
// or where the first that is not is, and what it holds.
func checkZeros(name string, fd int, old, size int64) error {
	n := min(size-old, 64<<10)
	m, rel, err := mapRange(name, fd, old, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	first, b := -1, byte(0)
	err = fault.Guard(m, func() {
		for i, c := range m[rel:] {
			if c != 0 {
				first, b = i, c
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("truncate %s: %w", cli.Quote(name), err)
	}
	if first < 0 {
		cli.Fact("new bytes read as zero", "yes")
		return nil
	}
	cli.Fact("new bytes read as zero", fmt.Sprintf("no, byte %d is %q", old+int64(first), []byte{b}))
	return nil
}

// probeShrink NAME OLD NEW runs in the child: map OLD bytes, shrink the
// object to NEW under that live mapping, and touch the first page that is
// gone: SIGBUS.
func probeShrink(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("truncate-shrink: want NAME OLD NEW")
	}
	old, err1 := strconv.ParseInt(args[1], 10, 64)
	size, err2 := strconv.ParseInt(args[2], 10, 64)
	if err1 != nil || err2 != nil || old <= 0 || old > 1<<40 || size < 0 || size >= old {
		return fmt.Errorf("truncate-shrink: bad sizes %q %q", args[1], args[2])
	}
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
