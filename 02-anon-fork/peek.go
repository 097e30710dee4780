//go:build linux && (amd64 || arm64)

// Reading what the experiments left in memory and what the kernel says of
// it: a message up to its first zero byte, what /proc/self/maps names behind
// a mapping, and what /proc/self/fd and fcntl say of descriptors. Memory
// that another process can shrink (a memfd it holds too, a file) is read and
// written through fault.Copy: a SIGBUS there is an error line, not a crash.

package main

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

// cstring is b up to its first zero byte.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// readString is the message at m[off:off+n], up to its first zero byte,
// read under fault.Copy (m is a mapping another process may shrink).
func readString(m []byte, off, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := fault.Copy(m, buf, m[off:off+n]); err != nil {
		return "", err
	}
	return cstring(buf), nil
}

// writeString copies s to m[off:] under fault.Copy.
func writeString(m []byte, off int, s string) error {
	_, err := fault.Copy(m, m[off:], []byte(s))
	return err
}

// backing names what /proc/self/maps shows behind the mapping of b.
func backing(b []byte) string {
	m, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&b[0])))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if m.Path == "" {
		return "none"
	}
	return m.Path
}

// closeOnExec is "yes" if descriptor fd has FD_CLOEXEC set (fcntl F_GETFD),
// "no" if not, the errno if fcntl fails.
func closeOnExec(fd int) string {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		return cli.Outcome(err)
	}
	return cli.YesNo(flags&unix.FD_CLOEXEC != 0)
}

// openOn counts the descriptors of this process that /proc/self/fd shows
// open on target (a path, or a label such as "/memfd:NAME (deleted)").
func openOn(target string) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		if link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%s", e.Name())); err == nil && link == target {
			n++
		}
	}
	return n
}

// sizeAtLeast checks that the file behind fd (a memfd just made) has at
// least size bytes (fstat) before it is mapped and written: a write past
// the end of a mapped file is a SIGBUS, not an error.
func sizeAtLeast(fd, size int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return cli.Sys(fmt.Sprintf("inspect descriptor %d", fd), "fstat", err)
	}
	if st.Size < int64(size) {
		return fmt.Errorf("the memfd has %d bytes, %d wanted: was it given its size (ftruncate)?", st.Size, size)
	}
	return nil
}
