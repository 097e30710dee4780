//go:build linux && (amd64 || arm64)

// The child-process parts of the tour (see internal/fault): the other side
// of lockfile, and limit as an unprivileged user.

package main

import (
	"fmt"
	"strconv"

	"shmlab/internal/fault"
)

func init() {
	fault.Register("lockfile-unlock", func(args []string) error {
		return lockfile(args[0], true, false, "", nil)
	})
	fault.Register("limit", func(args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("limit probe: want LIMIT SIZE")
		}
		limit, err1 := strconv.ParseUint(args[0], 10, 64)
		size, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("limit probe: bad arguments %q", args)
		}
		return limitExp(limit, size)
	})
}
