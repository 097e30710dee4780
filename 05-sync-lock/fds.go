//go:build linux && (amd64 || arm64)

// Facts about the file an experiment maps: the descriptors this process
// holds on it (the lesson closes its own after mmap), and the filesystem it
// lives on (msync has something to write only where there is storage).

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

// filesystemFacts prints the filesystem path lives on and whether it has
// storage behind it (tmpfs and ramfs keep pages only in memory and swap).
func filesystemFacts(path string) (storage bool, err error) {
	name, storage, _, err := procfs.Filesystem(path)
	if err != nil {
		return false, cli.Sys("statfs "+cli.Quote(path), "statfs", err)
	}
	cli.Fact("filesystem", name)
	cli.Fact("backed by storage", cli.YesNo(storage))
	return storage, nil
}
