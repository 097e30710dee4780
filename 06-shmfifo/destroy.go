//go:build linux && (amd64 || arm64)

// `shmfifo destroy`: the course's shmfifo_destroy (ep. 33): IPC_RMID on the
// segment and on the three semaphore sets.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func destroyCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "destroy", args, 0, 0)
		if err != nil {
			return err
		}
		n, err := Destroy(key)
		if err != nil {
			return cli.SysHint("destroy FIFO key "+KeyString(key), "shmget", err,
				map[bool]string{true: "nothing to remove: no segment and no semaphore set at this key"}[errnoOf(err) == unix.ENOENT])
		}
		cli.Fact("removed", fmt.Sprintf("%d objects", n))
		return nil
	}
}
