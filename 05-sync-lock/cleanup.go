//go:build linux && (amd64 || arm64)

package main

import "shmlab/internal/cli"

// unmapAtEnd unmaps m when an experiment returns (defer unmapAtEnd(m,
// &err)): a munmap that fails is the experiment's error, if it had none,
// as any other failed call would be. Nothing is left mapped unsaid.
func unmapAtEnd(m []byte, err *error) {
	if uerr := Unmap(m); uerr != nil && *err == nil {
		*err = cli.Sys("unmap", "munmap", uerr)
	}
}
