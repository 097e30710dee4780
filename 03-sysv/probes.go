//go:build linux && (amd64 || arm64)

// The probes of chapter 03: small programs run in a child process (see
// internal/fault), so that a fault becomes a fact, and so that "another
// process" in the tour is a real one.

package main

import (
	"errors"
	"fmt"
	"strconv"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
)

func init() {
	fault.Register("rdonly-write", probeRdonlyWrite)
	fault.Register("shm-put", probePut)
	fault.Register("try-attach", probeTryAttach)
}

func probeID(args []string) (int, error) {
	if len(args) < 1 {
		return 0, errors.New("probe: no shmid")
	}
	return strconv.Atoi(args[0])
}

// Attach with SHM_RDONLY, read (fine), then write: SIGSEGV.
func probeRdonlyWrite(args []string) error {
	id, err := probeID(args)
	if err != nil {
		return err
	}
	m, err := Attach(id, true)
	if err != nil {
		return err
	}
	fault.Read(m, 0)
	fault.Write(m, 0, 'X')
	return nil
}

// Attach read-write, write args[1] and a NUL at offset 0, detach, exit.
func probePut(args []string) error {
	id, err := probeID(args)
	if err != nil {
		return err
	}
	m, err := Attach(id, false)
	if err != nil {
		return err
	}
	copy(m, args[1]+"\x00")
	return Detach(m)
}

// Try shmat read-only (args[1] "ro") or read-write; print ok or the errno.
func probeTryAttach(args []string) error {
	id, err := probeID(args)
	if err != nil {
		return err
	}
	m, err := Attach(id, args[1] == "ro")
	fmt.Println(cli.Outcome(err))
	if err == nil {
		return Detach(m)
	}
	return nil
}
