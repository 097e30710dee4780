//go:build linux && (amd64 || arm64)

// The mapped tool (notes 001 §1.1.3.2): does a name exist, and how many
// processes map the object, named or not; scenarios ask it while another
// process holds a mapping (write -hold).

package main

import (
	"os"

	"shmlab/internal/cli"
)

func mappedCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // NAME
	return func(args []string) error {
		if err := checkName("mapped", args[0]); err != nil {
			return err
		}
		path, err := ShmPath(args[0])
		if err != nil {
			return shmErr("shm_open "+cli.Quote(args[0]), "shm_open", err)
		}
		_, err = os.Lstat(path)
		cli.Fact("name exists", cli.YesNo(err == nil))
		cli.Fact("mapped by", processes(mappers(path)))
		return nil
	}
}
