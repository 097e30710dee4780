//go:build linux && (amd64 || arm64)

// The truncate experiment (notes 001 §1.1.3.1): ftruncate sets the size.
// Growing adds zero bytes; shrinking throws pages away even under a live
// mapping, and touching one of them then raises SIGBUS (in a child process,
// so that the fault is reported, not suffered).

package main

import (
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() { fault.Register("truncate-shrink", probeShrink) }

func truncateCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 0, 0, 1<<40, "the new size in bytes")
	f.Args(1, 1) // NAME
	return func(args []string) error { return truncate(args[0], *size) }
}

func tourTruncate() error {
	name := tourName("t")
	defer ShmUnlink(name)
	if err := newObject(name, 0); err != nil {
		return err
	}
	cli.Say("ftruncate grows the object with zero bytes, and shrinks it even under a live")
	cli.Say("mapping: a child maps 2 pages, shrinks it to 100 bytes, touches page 2: SIGBUS.")
	if err := truncate(name, 2*pageUp(1)); err != nil {
		return err
	}
	return truncate(name, 100)
}

func truncate(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
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
// of them: reading a page of tmpfs allocates it) and says if all are zero.
func checkZeros(name string, fd int, old, size int64) error {
	n := min(size-old, 64<<10)
	m, rel, err := mapRange(name, fd, old, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	zero := true
	for _, c := range m[rel:] {
		zero = zero && c == 0
	}
	cli.Fact("new bytes read as zero", cli.YesNo(zero))
	return nil
}

// probeShrink NAME OLD NEW runs in the child: map OLD bytes, shrink the
// object to NEW under that live mapping, and touch the first page that is
// gone: SIGBUS.
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
