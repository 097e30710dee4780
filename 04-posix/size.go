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
// bytes.
func newObject(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	if size > 0 {
		return shmErr("set the size of "+name, "ftruncate", Resize(fd, size))
	}
	return nil
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
