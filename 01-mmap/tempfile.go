//go:build linux && (amd64 || arm64)

package main

import (
	"os"
	"path/filepath"

	"shmlab/internal/cli"
)

// tempFile makes a file with content for a tour step, in a new directory
// under dir ("" for the temporary directory), and returns how to remove
// both. They are registered with cli.Made: an interrupted tour removes them
// too.
func tempFile(dir, content string) (string, func(), error) {
	d, err := os.MkdirTemp(dir, "shmlab-mmap-")
	if err != nil {
		return "", nil, err
	}
	remove := cli.Made(func() { os.RemoveAll(d) })
	path := filepath.Join(d, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		remove()
		return "", nil, err
	}
	return path, remove, nil
}
