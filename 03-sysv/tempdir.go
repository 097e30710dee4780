//go:build linux && (amd64 || arm64)

// The tour's own files: a temporary directory, and a key made from a file in
// it, so that a step never touches a key or a file someone else uses. The
// directory is registered with cli.Made: an interrupted step removes it.

package main

import (
	"os"
	"path/filepath"

	"shmlab/internal/cli"
)

// tempDir makes a directory for the tour's files and returns its remover.
func tempDir() (string, func(), error) {
	var dir string
	done, err := own(func() (func(), error) {
		d, err := os.MkdirTemp("", "sysv-tour-")
		if err != nil {
			return nil, cli.Sys("make a temporary directory in "+cli.Quote(os.TempDir()), "mkdir", err)
		}
		dir = d
		return func() { os.RemoveAll(d) }, nil
	})
	return dir, done, err
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
		return 0, nil, cli.Sys("make the key file "+cli.Quote(path), "open", err)
	}
	key, err := ftok(path, id)
	if err != nil {
		done()
		return 0, nil, err
	}
	return key, done, nil
}
