//go:build linux && (amd64 || arm64)

// Facts about the file an experiment maps: the descriptors this process
// holds on it (MapFile closes its own, and the mapping keeps the file open
// without one, so while a file is mapped the count stays 0), and the
// filesystem it lives on (what a page past the end of a file becomes, and
// whether PROT_EXEC is allowed, depend on it).

package main

import (
	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

// descriptorsFact prints how many descriptors this process holds on path.
func descriptorsFact(path string) error {
	n, err := procfs.DescriptorsOn(path)
	if err != nil {
		return cli.Sys("count the descriptors on "+cli.Quote(path), "stat", err)
	}
	cli.Fact("descriptors open on the file", n)
	return nil
}

// filesystemFact prints the filesystem path lives on, and returns its
// statfs result (for its flags).
func filesystemFact(path string) (procfs.Statfs, error) {
	name, _, st, err := procfs.Filesystem(path)
	if err != nil {
		return st, cli.Sys("statfs "+cli.Quote(path), "statfs", err)
	}
	cli.Fact("filesystem", name)
	return st, nil
}
