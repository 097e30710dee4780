//go:build linux && (amd64 || arm64)

// Permission bits and the umask, as the create experiments take and show
// them.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// modeString is the permission bits of a mode as ls -l's octal: "0640".
func modeString(m uint32) string { return fmt.Sprintf("%04o", m&0o7777) }

// setUmask sets this process's umask from a -umask flag, if it was given:
// the umask filters the mode of a new object, as for any file.
func setUmask(arg string) error {
	if arg == "" {
		return nil
	}
	um, err := cli.ParseMode(arg)
	if err != nil {
		return cli.Usagef("umask %q: want octal permission bits such as 022", arg)
	}
	unix.Umask(int(um))
	return nil
}

// currentUmask reads the umask (the only way is to set it and put it back).
func currentUmask() uint32 {
	um := unix.Umask(0)
	unix.Umask(um)
	return uint32(um)
}
