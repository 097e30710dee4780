//go:build linux && (amd64 || arm64)

// limits: the kernel's limits on System V shared memory (UNP2 3.8), from
// shmctl(IPC_INFO), checked against the sysctls in /proc/sys/kernel.

package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"shmlab/internal/cli"
)

func limitsCmd(f *cli.Flags) cli.Action {
	return func([]string) error { return limits() }
}

func tourLimits() error {
	cli.Say("IPC_INFO reports the limits; three are sysctls in /proc/sys/kernel:")
	return limits()
}

func limits() error {
	// IPC_INFO: the struct shminfo.
	info, err := Info()
	if err != nil {
		return cli.Sys("read the limits", "shmctl IPC_INFO", err)
	}
	cli.Fact("SHMMAX", fmt.Sprintf("%d bytes: the largest segment", info.Shmmax))
	cli.Fact("SHMMIN", fmt.Sprintf("%d byte: the smallest (size 0 is EINVAL)", info.Shmmin))
	cli.Fact("SHMMNI", fmt.Sprintf("%d segments: the most in the system (then ENOSPC)", info.Shmmni))
	cli.Fact("SHMSEG", fmt.Sprintf("%d: per process (Linux has no such limit: SHMMNI)", info.Shmseg))
	cli.Fact("SHMALL", fmt.Sprintf("%d pages: all segments together (then ENOSPC)", info.Shmall))

	// The same three numbers, as the sysctls give them.
	agree := true
	for name, v := range map[string]uint64{"shmmax": info.Shmmax, "shmmni": info.Shmmni, "shmall": info.Shmall} {
		p, err := procULong(name)
		if err != nil {
			return err
		}
		agree = agree && p == v
	}
	cli.Fact("IPC_INFO agrees with /proc/sys/kernel/shm{max,mni,all}", cli.YesNo(agree))
	return nil
}

// procULong reads the number in /proc/sys/kernel/NAME.
func procULong(name string) (uint64, error) {
	b, err := os.ReadFile("/proc/sys/kernel/" + name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
}
