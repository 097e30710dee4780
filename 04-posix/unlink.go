//go:build linux && (amd64 || arm64)

// The unlink experiment (notes 001 §1.1.3.2): what shm_unlink removes, and
// when the memory goes. The moment the kernel destroys the object is seen
// with inotify: IN_DELETE_SELF comes when the last name, descriptor and
// mapping are gone, not at the unlink.

package main

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func unlinkCmd(f *cli.Flags) cli.Action {
	watch := f.Bool("watch", "then wait until the kernel destroys the object (inotify IN_DELETE_SELF)")
	ready := f.Ready("the name is gone")
	f.Args(1, 1) // NAME
	return func(args []string) error { return unlink(args[0], *watch, *ready) }
}

func unlink(name string, watch bool, ready string) error {
	if err := checkName("unlink", name); err != nil {
		return err
	}
	path, perr := ShmPath(name)
	// Watch before the unlink: afterwards there is no name to watch.
	var w *deleteWatch
	if watch && perr == nil {
		var err error
		if w, err = watchDelete(path); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
		defer w.close()
	}

	// shm_unlink: the name goes at once, mapped or not.
	if err := ShmUnlink(name); err != nil {
		return shmErr("shm_unlink "+cli.Quote(name), "shm_unlink", err)
	}
	_, err := os.Lstat(path)
	cli.Fact("unlinked", cli.Quote(path))
	cli.Fact("name exists", cli.YesNo(err == nil))
	cli.Fact("still mapped by", processes(mappers(path)))
	if w == nil {
		return cli.Ready(ready)
	}

	// The object itself goes when its last user does.
	gone, err := w.deleted(0)
	if err != nil {
		return err
	}
	cli.Fact("object destroyed at the unlink", cli.YesNo(gone))
	if err := cli.Ready(ready); err != nil {
		return err
	}
	if !gone {
		if gone, err = w.deleted(cli.HoldMax); err != nil {
			return err
		}
	}
	cli.Fact("object destroyed when the last user went", cli.YesNo(gone))
	return nil
}

// deleteWatch is an inotify watch for the destruction of one file.
type deleteWatch struct{ fd int }

func watchDelete(path string) (*deleteWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, cli.Sys("watch "+path, "inotify_init1", err)
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_DELETE_SELF); err != nil {
		unix.Close(fd)
		return nil, cli.Sys("watch "+path, "inotify_add_watch", err)
	}
	return &deleteWatch{fd}, nil
}

func (w *deleteWatch) close() {
	if w != nil {
		unix.Close(w.fd)
	}
}

// deleted reports whether IN_DELETE_SELF arrives within limit (0: has it
// arrived already).
func (w *deleteWatch) deleted(limit time.Duration) (bool, error) {
	deadline := time.Now().Add(limit)
	buf := make([]byte, 4096)
	for {
		ms := max(int(time.Until(deadline).Milliseconds()), 0)
		pfd := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, cli.Sys("wait for inotify", "poll", err)
		}
		if n == 0 {
			return false, nil
		}
		k, err := unix.Read(w.fd, buf)
		if err != nil {
			return false, cli.Sys("read inotify events", "read", err)
		}
		for i := 0; i+unix.SizeofInotifyEvent <= k; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[i]))
			if ev.Mask&unix.IN_DELETE_SELF != 0 {
				return true, nil
			}
			i += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

func tourUnlink() error {
	name := tourName("u")
	cli.Say("The notes say shm_unlink waits while others use the object. It does not: the")
	cli.Say("name goes at once; whoever maps it keeps the memory (8 MiB here), which goes")
	cli.Say("with the last mapping and descriptor (inotify's IN_DELETE_SELF tells when).")

	// An 8 MiB object, every page stored into, "HELLO" at its start.
	const size = 8 << 20
	remove, err := newObject(name, size)
	if err != nil {
		return err
	}
	defer remove()
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return shmErr("shm_open "+name, "shm_open", err)
	}
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
	}()
	m, err := Map(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return shmErr("map "+name, "mmap", err)
	}
	if err := touchPages(m); err != nil {
		Unmap(m)
		return fmt.Errorf("touch %s: %w", name, err)
	}
	if _, err := fault.Copy(m, m, []byte("HELLO\x00")); err != nil {
		Unmap(m)
		return fmt.Errorf("write %s: %w", name, err)
	}
	path, _ := ShmPath(name)
	w, err := watchDelete(path)
	if err != nil {
		Unmap(m)
		return err
	}
	defer w.close()
	if err := unlinkWhileMapped(name, path, fd, m); err != nil {
		Unmap(m)
		return err
	}
	return lastUserGoes(w, &fd, m)
}

// unlinkWhileMapped removes the name of the object this process has open
// and mapped, and shows what is left: no name, but the memory, still read
// and written through the mapping.
func unlinkWhileMapped(name, path string, fd int, m []byte) error {
	cli.Fact("shm_unlink while mapped", cli.Outcome(ShmUnlink(name)))
	_, err := ShmOpen(name, unix.O_RDWR, 0)
	cli.Fact("shm_open of the name after it", cli.Outcome(err))
	cli.Fact("the mapping still reads", guardedText(m, func() string { return cstr(m) }))
	cli.Fact("the mapping still writes", guardedText(m, func() string {
		copy(m, "AGAIN\x00")
		return cstr(m)
	}))
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+name, "fstat", err)
	}
	cli.Fact("links (names) left", st.Nlink)
	cli.Fact("memory the object still holds", fmt.Sprintf("%d kB", st.Blocks*512/1024))
	ms, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	deleted := false
	for _, mp := range ms {
		deleted = deleted || mp.Path == path+" (deleted)"
	}
	cli.Fact("/proc/self/maps shows it as (deleted)", cli.YesNo(deleted))
	return nil
}

// lastUserGoes unmaps, then closes, and says after each whether the kernel
// has destroyed the object (IN_DELETE_SELF). It closes *fd and sets it to
// -1 (the caller's deferred close then does nothing).
func lastUserGoes(w *deleteWatch, fd *int, m []byte) error {
	gone, err := w.deleted(0)
	if err != nil {
		Unmap(m)
		return err
	}
	cli.Fact("destroyed at shm_unlink (IN_DELETE_SELF)", cli.YesNo(gone))
	if err := Unmap(m); err != nil {
		return shmErr("unmap", "munmap", err)
	}
	if gone, err = w.deleted(0); err != nil {
		return err
	}
	cli.Fact("destroyed after munmap, descriptor still open", cli.YesNo(gone))
	unix.Close(*fd)
	*fd = -1
	if gone, err = w.deleted(10 * time.Second); err != nil {
		return err
	}
	cli.Fact("destroyed after close too", cli.YesNo(gone))
	return nil
}
