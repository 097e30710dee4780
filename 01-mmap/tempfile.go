//go:build linux && (amd64 || arm64)

package main

import "shmlab/internal/cli"

// tempFile makes a file with content for a tour step, in a new directory
// under dir ("" for the temporary directory); cli.TempFile registers both
// for removal on interrupt.
func tempFile(dir, content string) (string, func(), error) {
	return cli.TempFile(dir, "shmlab-mmap-", content)
}
