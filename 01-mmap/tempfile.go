//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"path/filepath"
)

// tempFile makes a file with content for a tour step and returns how to
// remove it.
func tempFile(content string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "shmlab-mmap-")
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
