//go:build linux && (amd64 || arm64)

// Making and sizing an object by name, as the tour's steps and oflags do
// before the part they show.

package main

import (
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// newObject makes a new object name (O_CREAT|O_EXCL, mode 0600) of size
// bytes, registered for removal on an interrupt. It returns the removal
// (shm_unlink) for the caller to defer.
func newObject(name string, size int64) (func(), error) {
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return nil, shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	undo := made(shmFile(name))
	remove := func() {
		ShmUnlink(name)
		undo()
	}
	if size > 0 {
		if err := Resize(fd, size); err != nil {
			remove()
			return nil, shmErr("set the size of "+name, "ftruncate", err)
		}
	}
	return remove, nil
}

// resizeByName sets the size of the object name (open, ftruncate, close).
func resizeByName(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	return shmErr("set the size of "+name, "ftruncate", Resize(fd, size))
}

// pageUp rounds n up to a whole number of pages.
func pageUp(n int64) int64 {
	ps := int64(os.Getpagesize())
	return (n + ps - 1) / ps * ps
}
