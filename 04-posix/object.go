//go:build linux && (amd64 || arm64)

// Opening an object by name the way the experiments do, and the names they
// take: whatever another user has put in /dev/shm under the name, nothing
// hangs and nothing but a shared memory object is used as one.

package main

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// openObject is shm_open(name, flags, mode), then fstat. Any user may make a FIFO in /dev/shm, and opening one O_RDONLY
// blocks until a writer comes: the open is O_NONBLOCK, cleared at once, and
// what is not a regular file is refused in one line. A directory is left to
// the lesson's own answers (open's EINVAL for O_RDWR, mmap's ENODEV), which
// the names scenario checks. verb names what was tried.
func openObject(verb, name string, flags int, mode uint32) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	if err := checkName(verb, name); err != nil {
		return -1, st, err
	}
	fd, err := ShmOpen(name, flags|unix.O_NONBLOCK, mode)
	if err != nil {
		return -1, st, shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	if st, err = Stat(fd); err != nil {
		unix.Close(fd)
		return -1, st, shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFDIR {
		unix.Close(fd)
		path, _ := ShmPath(name)
		return -1, st, fmt.Errorf("%s %s: %s is a %s, not a shared memory object (a regular file): refused",
			verb, cli.Quote(name), cli.Quote(path), fileType(st.Mode))
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err == nil {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_NONBLOCK)
	}
	if err != nil {
		unix.Close(fd)
		return -1, st, cli.Sys(verb+" "+cli.Quote(name), "fcntl", err)
	}
	return fd, st, nil
}

// checkName refuses the names glibc takes that are no object: "." and ".."
// are /dev/shm itself and /dev (an EEXIST there would advise removing
// /dev). Other names go to the lesson, whose errors are glibc's.
func checkName(verb, name string) error {
	if n := strings.TrimLeft(name, "/"); n == "." || n == ".." {
		return cli.Usagef("%s %s: not an object name (%s%s is a directory)", verb, cli.Quote(name), ShmDir, n)
	}
	return nil
}

// checkPrefix refuses a NAME that an experiment makes several objects from
// (NAME-0600, NAME-link, ...): it must be a name glibc takes, not "." or
// "..", and leave room for what is added (at most max bytes).
func checkPrefix(verb, name string, max int) error {
	n := strings.TrimLeft(name, "/")
	if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00") || len(n) > max {
		return cli.Usagef("%s: NAME %s: want a name of 1 to %d bytes with no \"/\" after the leading ones, not \".\" or \"..\": it is the prefix of every object made",
			verb, cli.Quote(name), max)
	}
	return nil
}

// made registers the file at path, which this process has just made in
// /dev/shm, for removal if the program is interrupted (cli.Made), and
// returns that removal for the experiment's own end. It removes the name
// only while the name is still that file (the same inode): if the
// experiment unlinked it and someone else then made a file of that name,
// theirs stays.
func made(path string) func() {
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil {
		return func() {}
	}
	return cli.Made(func() {
		var now unix.Stat_t
		if unix.Lstat(path, &now) != nil || now.Dev != st.Dev || now.Ino != st.Ino {
			return
		}
		if now.Mode&unix.S_IFMT == unix.S_IFDIR {
			unix.Rmdir(path)
		} else {
			unix.Unlink(path)
		}
	})
}

// shmFile and semFile are the files of an object and of a semaphore, as
// glibc names them, for made (computed here, not by the lesson, so that an
// interrupted run of the exercise is cleaned up too).
func shmFile(name string) string { return ShmDir + strings.TrimLeft(name, "/") }
func semFile(name string) string { return ShmDir + "sem." + strings.TrimLeft(name, "/") }
