//go:build linux && (amd64 || arm64)

// Package track records the IPC objects a program creates, when a scenario
// asks it to (SHMLAB_TRACK names a file), so that the scenario's cleanup can
// remove them even if the scenario fails half way. Outside tests it does
// nothing.
package track

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Env names the file the records are appended to.
const Env = "SHMLAB_TRACK"

func record(line string) {
	path := os.Getenv(Env)
	if path == "" {
		return
	}
	// O_NOFOLLOW: the record is never written through a planted link.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return // tracking is a safety net; it never fails a program
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// Shm records a System V shared memory segment (shmget's id and key).
func Shm(id int, key int) { record(fmt.Sprintf("shm %d %d", id, int32(key))) }

// Sem records a System V semaphore set.
func Sem(id int, key int) { record(fmt.Sprintf("sem %d %d", id, int32(key))) }

// Msg records a System V message queue.
func Msg(id int, key int) { record(fmt.Sprintf("msg %d %d", id, int32(key))) }

// File records a file to unlink (a POSIX object in /dev/shm). A relative
// path is made absolute first: the cleanup runs in another directory.
func File(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	record("file " + path)
}
