//go:build linux && (amd64 || arm64)

// The tour's own files: a temporary directory, and a key made from a file in
// it, so that a step never touches a key or a file someone else uses.

package main

import (
	"os"
	"path/filepath"
)

// tempDir makes a directory for the tour's files and returns its remover.
func tempDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "sysv-tour-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// tourKey makes a file in a new temporary directory and gives ftok(file,
// id), and the remover of the directory.
func tourKey(id int) (int, func(), error) {
	dir, done, err := tempDir()
	if err != nil {
		return 0, nil, err
	}
	path := filepath.Join(dir, "key")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		done()
		return 0, nil, err
	}
	key, err := ftok(path, id)
	if err != nil {
		done()
		return 0, nil, err
	}
	return key, done, nil
}
