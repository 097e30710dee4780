//go:build linux && (amd64 || arm64)

// The write experiment (notes 001 §1.1.3.1, course ep. 35): open by name,
// map MAP_SHARED, store text. The bytes stay after the process exits, and
// with -hold the process keeps its mapping while others look at the object.

package main

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func writeCmd(f *cli.Flags) cli.Action {
	off := f.Int("offset", 0, 0, 1<<40, "where to write, in bytes from the start")
	touch := f.Bool("touch", "map the whole object and store into every page, so that each takes memory")
	pastEnd := f.Bool("past-end", "let TEXT go past the end of the object, inside its last page (mapped whole: no SIGBUS there)")
	hold := f.Hold("the whole object mapped") // then say what is left of it
	ready := f.Ready("the text is written")
	f.Args(2, 2) // NAME TEXT
	return func(args []string) error {
		if args[1] == "" {
			return cli.Usagef("write: empty TEXT")
		}
		return write(args[0], *off, args[1], writeOpts{hold: *hold, touch: *touch, pastEnd: *pastEnd, ready: *ready})
	}
}

// writeOpts is what write does besides writing.
type writeOpts struct {
	hold, touch, pastEnd bool
	ready                string
}

func tourWrite() error {
	name := tourName("w")
	remove, err := newObject(name, 4096)
	if err != nil {
		return err
	}
	defer remove()
	cli.Say("Map by name (MAP_SHARED), store, unmap, close; another process then reads the")
	cli.Say("path: the bytes stay with no process attached (内核持续性: until shm_unlink).")
	if err := write(name, 0, "hello, tmpfs", writeOpts{}); err != nil {
		return err
	}
	path, _ := ShmPath(name)
	got, err := fault.ReadInChild(path, len("hello, tmpfs"))
	if err != nil {
		return err
	}
	cli.Fact("read() of the path in another process", got)
	return nil
}

// write stores text at off in the object name, through a shared mapping.
func write(name string, off int64, text string, o writeOpts) error {
	// Open by name, read-write: a PROT_WRITE shared mapping needs O_RDWR.
	fd, st, err := openObject("write", name, unix.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)

	// The object must hold the range: past its end a store raises SIGBUS,
	// except inside the last page, which a mapping covers whole (-past-end).
	end := st.Size
	if o.pastEnd {
		end = pageUp(st.Size)
	}
	if off+int64(len(text)) > end {
		return pastEnd("write", name, off, int64(len(text)), st.Size)
	}

	// Map the pages that hold the range (or all of them, to touch or hold).
	start, n := off, len(text)
	if o.hold || o.touch {
		start, n = 0, int(min(st.Size, 1<<30))
		if off+int64(len(text)) > int64(n) || o.pastEnd {
			return fmt.Errorf("write %s: -hold and -touch map the object's first GiB at most, not past its end: offset %d and -past-end do not go with them", cli.Quote(name), off)
		}
	}
	m, rel, err := mapRange(name, fd, start, n, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return err
	}
	mapped := true
	defer func() {
		if mapped {
			Unmap(m)
		}
	}()

	// A store into the mapping is a store into the object (guarded: another
	// process may shrink the object meanwhile, and the store raise SIGBUS).
	rel += int(off - start)
	if _, err := fault.Copy(m, m[rel:], []byte(text)); err != nil {
		return fmt.Errorf("write %s: %w", cli.Quote(name), err)
	}
	cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(text), off))
	if o.touch {
		if err := touchPages(m); err != nil {
			return fmt.Errorf("write %s: %w", cli.Quote(name), err)
		}
	}
	if err := cli.Ready(o.ready); err != nil {
		return err
	}
	if o.hold {
		return holdMapping(fd, m, rel)
	}

	mapped = false
	return unmapObject(name, m)
}

// unmapObject unmaps m, a mapping of the object name, and says how many
// mappings of it this process has left (/proc/self/maps): none. The bytes
// stay in the object, for the next process that maps it.
func unmapObject(name string, m []byte) error {
	if err := Unmap(m); err != nil {
		return shmErr("unmap "+cli.Quote(name), "munmap", err)
	}
	path, _ := ShmPath(name)
	left, err := mappingsOf(path)
	if err != nil {
		return err
	}
	cli.Fact("mappings left after munmap", left)
	return nil
}

// touchPages stores into every page of m, so that tmpfs allocates each.
// The store is an atomic add of 0: a write the compiler cannot leave out,
// which changes no byte. A page tmpfs cannot give (full) or that another
// process truncated away raises SIGBUS: the guard makes it an error.
func touchPages(m []byte) error {
	ps := os.Getpagesize()
	err := fault.Guard(m, func() {
		for i := 0; i < len(m); i += ps {
			atomic.AddUint32((*uint32)(unsafe.Pointer(&m[i])), 0)
		}
	})
	if err != nil {
		return err
	}
	cli.Fact("touched", fmt.Sprintf("%d pages", (len(m)+ps-1)/ps))
	return nil
}

// holdMapping keeps the mapping until SIGINT or SIGTERM, then says what is
// left of the object: its names, its memory, and the bytes at rel, read and
// written again (SIGBUS, guarded, if the object shrank under the mapping
// meanwhile).
func holdMapping(fd int, m []byte, rel int) error {
	cli.Hold()
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat the held object", "fstat", err)
	}
	cli.Fact("links after release", st.Nlink)
	cli.Fact("memory held after release", fmt.Sprintf("%d kB", st.Blocks*512/1024))
	cli.Fact("reads after release", guardedText(m, func() string { return cstr(m[rel:]) }))
	cli.Fact("reads after writing", guardedText(m, func() string {
		copy(m[rel:], "STILL HERE\x00")
		return cstr(m[rel:])
	}))
	return nil
}

// guardedText runs f, which reads or writes the mapping m, and gives its
// text, or the fault that ended it (the object shrank under the mapping).
func guardedText(m []byte, f func() string) (s string) {
	if err := fault.Guard(m, func() { s = f() }); err != nil {
		return err.Error()
	}
	return s
}
