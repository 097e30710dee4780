//go:build linux && (amd64 || arm64)

// How every FIFO experiment names its FIFO: -key K, -path FILE [-id N]
// (ftok), or a positional KEY before the other arguments. The FIFO uses
// KEY, KEY+1 and KEY+2.

package main

import (
	"shmlab/internal/cli"
)

// fifoKey resolves the key flags, or, with none given, takes the key from
// the first positional argument. It returns the key and the arguments
// left, which must number from min to max (max -1: any).
func fifoKey(k *cli.Key, name string, args []string, min, max int) (int, []string, error) {
	arg := ""
	if !k.Given() && len(args) > 0 {
		arg, args = args[0], args[1:]
	}
	key, err := k.Resolve(ftok, arg)
	if err != nil {
		return 0, nil, err
	}
	// 0 is IPC_PRIVATE, and KEY+1, KEY+2 must not wrap round to it.
	if u := uint32(key); u == 0 || u > 0xfffffffd {
		return 0, nil, cli.Usagef("key %s: want a number from 1 to 0xfffffffd (0 is IPC_PRIVATE; the FIFO uses KEY, KEY+1, KEY+2)", cli.HexKey(key))
	}
	if len(args) < min || (max >= 0 && len(args) > max) {
		return 0, nil, cli.Usagef("%s: wrong number of arguments (%d)", name, len(args))
	}
	return key, args, nil
}

// fifoArg is what get, lock and stat begin with: the FIFO named by the key
// flags or the KEY argument (and nothing else), opened as openFifo does.
func fifoArg(k *cli.Key, name string, args []string) (*Fifo, error) {
	key, _, err := fifoKey(k, name, args, 0, 0)
	if err != nil {
		return nil, err
	}
	return openFifo(key)
}

// ftok is Ftok with the error line of a program.
func ftok(path string, id int) (int, error) {
	key, err := Ftok(path, id)
	return key, cli.Sys("ftok "+cli.Quote(path), "stat", err)
}
