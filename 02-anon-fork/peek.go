//go:build linux && (amd64 || arm64)

// Reading what the experiments left in memory: a message up to its first
// zero byte, and what /proc/self/maps names behind a mapping.

package main

import (
	"bytes"
	"unsafe"

	"shmlab/internal/procfs"
)

// cstring is b up to its first zero byte.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
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
