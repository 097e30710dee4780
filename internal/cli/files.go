//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"shmlab/internal/track"
)

// OpenRegular opens a file an experiment reads or writes beside the lesson
// (flags O_RDONLY, O_WRONLY or O_RDWR, without O_CREAT; add O_NOFOLLOW to
// refuse a symlink, as every experiment that writes does): with O_NONBLOCK,
// so that a FIFO put at path cannot block the open; then fstat refuses
// anything but a regular file, in one line naming what it is, and
// O_NONBLOCK is cleared.
func OpenRegular(path string, flags int) (*os.File, error) {
	fd, err := unix.Open(path, flags|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, Sys("open "+Quote(path), "open", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, Sys("stat "+Quote(path), "fstat", err)
	}
	if err := Regular(path, st.Mode); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, Sys("open "+Quote(path), "fcntl F_SETFL", err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// Regular refuses a file whose mode (st_mode) is not S_IFREG, naming its
// kind: this lab maps and reads only regular files.
func Regular(path string, mode uint32) error {
	if mode&unix.S_IFMT == unix.S_IFREG {
		return nil
	}
	kind, ok := map[uint32]string{
		unix.S_IFDIR:  "a directory",
		unix.S_IFIFO:  "a FIFO (named pipe)",
		unix.S_IFCHR:  "a character device",
		unix.S_IFBLK:  "a block device",
		unix.S_IFSOCK: "a socket",
		unix.S_IFLNK:  "a symbolic link",
	}[mode&unix.S_IFMT]
	if !ok {
		kind = fmt.Sprintf("a file of type %#o", mode&unix.S_IFMT)
	}
	return fmt.Errorf("%s: %s, not a regular file: this lab maps only regular files, and refuses the rest without opening them", Quote(path), kind)
}

// CreateFile creates path with O_EXCL|O_NOFOLLOW, holding content, for an
// experiment that writes into the file it names (through a mapping): never
// a file that was there before (as root, that could be any file), never
// through a link. The file is recorded for a scenario's cleanup and
// registered with Made; done removes it unless keep (an interrupted run
// removes it even with keep: the run did not finish).
func CreateFile(path, content string, keep bool) (done func(), err error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		hint := ""
		if err == unix.EEXIST {
			hint = "the experiment writes into the file through a mapping, so it creates a new one: name a file that does not exist"
		}
		return nil, SysHint("create "+Quote(path), "open", err, hint)
	}
	var kept atomic.Bool
	remove := Made(func() {
		if !kept.Load() {
			unix.Unlink(path)
		}
	})
	track.File(path)
	_, err = unix.Write(fd, []byte(content))
	unix.Close(fd)
	if err != nil {
		remove()
		return nil, Sys("write "+Quote(path), "write", err)
	}
	return func() { kept.Store(keep); remove() }, nil
}

// TempFile makes a file holding content for a tour step, named data.txt in
// a new directory prefix* under dir ("" for the temporary directory), and
// returns how to remove both. They are registered with Made: an
// interrupted tour removes them too.
func TempFile(dir, prefix, content string) (string, func(), error) {
	d, err := os.MkdirTemp(dir, prefix)
	if err != nil {
		// mkdir's error names the directory and its errno (as does stat's,
		// when the parent is not there): said as every other failed call.
		in := dir
		if in == "" {
			in = os.TempDir()
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			return "", nil, SysHint("make a temporary directory in "+Quote(in), pe.Op, pe.Err,
				"set TMPDIR to a directory you can write, or unset it")
		}
		return "", nil, err
	}
	remove := Made(func() { os.RemoveAll(d) })
	path := filepath.Join(d, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		remove()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return "", nil, Sys("write "+Quote(path), pe.Op, pe.Err)
		}
		return "", nil, err
	}
	return path, remove, nil
}
