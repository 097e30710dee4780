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
	"shmlab/internal/procfs"
)

func runUnlink(args []string) error {
	fs := cli.NewFlags("unlink")
	watch := fs.Bool("watch", false, "then wait until the kernel destroys the object (inotify IN_DELETE_SELF)")
	ready := fs.String("ready", "", "write this file once the name is gone")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("unlink", pos, 1, 1); err != nil {
		return err
	}
	name := pos[0]
	var w *deleteWatch
	if *watch {
		// Watch before the unlink: afterwards there is no name to watch.
		if path, err := ShmPath(name); err == nil {
			if w, err = watchDelete(path); err != nil && !errors.Is(err, unix.ENOENT) {
				return err
			}
			defer w.close()
		}
	}
	if err := ShmUnlink(name); err != nil {
		return explain(err)
	}
	path, err := ShmPath(name)
	if err != nil {
		return err
	}
	_, err = os.Lstat(path)
	cli.Fact("unlinked", path)
	cli.Fact("name exists", cli.YesNo(err == nil))
	cli.Fact("still mapped by", processes(mappers(path)))
	if w == nil {
		return cli.Ready(*ready)
	}
	gone, err := w.deleted(0)
	if err != nil {
		return err
	}
	cli.Fact("object destroyed at the unlink", cli.YesNo(gone))
	if err := cli.Ready(*ready); err != nil {
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
	defer ShmUnlink(name)
	cli.Say("The notes say shm_unlink waits while others still use the object. It does")
	cli.Say("not: the name goes at once, so no one can open it again, while whoever has it")
	cli.Say("open or mapped keeps using the memory (8 MiB here, counted by fstat). The")
	cli.Say("kernel destroys the object with the last mapping and descriptor, as for any")
	cli.Say("unlinked file; inotify's IN_DELETE_SELF tells when.")
	const size = 8 << 20
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			unix.Close(fd)
		}
	}()
	if err := Resize(fd, size); err != nil {
		return err
	}
	m, err := Map(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return err
	}
	unmapped := false
	defer func() {
		if !unmapped {
			Unmap(m)
		}
	}()
	for i := 0; i < size; i += os.Getpagesize() {
		m[i] = 1 // give the object its memory, page by page
	}
	copy(m, "HELLO\x00")
	path, err := ShmPath(name)
	if err != nil {
		return err
	}
	w, err := watchDelete(path)
	if err != nil {
		return err
	}
	defer w.close()

	cli.Fact("shm_unlink while mapped", errnoOf(ShmUnlink(name)))
	_, err = ShmOpen(name, unix.O_RDWR, 0)
	cli.Fact("shm_open of the name after it", errnoOf(err))
	cli.Fact("shm_unlink again", errnoOf(ShmUnlink(name)))
	cli.Fact("the mapping still reads", cstr(m))
	copy(m, "AGAIN\x00")
	cli.Fact("the mapping still writes", cstr(m))
	st, err := Stat(fd)
	if err != nil {
		return err
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
	gone, err := w.deleted(0)
	if err != nil {
		return err
	}
	cli.Fact("destroyed at shm_unlink (IN_DELETE_SELF)", cli.YesNo(gone))
	unmapped = true
	if err := Unmap(m); err != nil {
		return err
	}
	gone, err = w.deleted(0)
	if err != nil {
		return err
	}
	cli.Fact("destroyed after munmap, descriptor still open", cli.YesNo(gone))
	closed = true
	unix.Close(fd)
	gone, err = w.deleted(10 * time.Second)
	if err != nil {
		return err
	}
	cli.Fact("destroyed after close too", cli.YesNo(gone))
	return nil
}
