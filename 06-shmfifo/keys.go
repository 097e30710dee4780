//go:build linux && (amd64 || arm64)

// The KEY argument every FIFO command takes: a number (0x hex or decimal),
// or -path FILE [-id N] for ftok(3) computed exactly as glibc does.

package main

import (
	"flag"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// keyFlags are -path and -id, the ftok way to name a key.
type keyFlags struct {
	path string
	id   int
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.path, "path", "", "compute the key with ftok(FILE, -id)")
	fs.IntVar(&k.id, "id", 1, "ftok project id (its low 8 bits are used)")
}

// key returns the FIFO's key from -path, or from the first positional
// argument, and the positional arguments left.
func (k *keyFlags) key(cmd string, pos []string) (int, []string, error) {
	if k.path != "" {
		key, err := Ftok(k.path, k.id)
		return key, pos, err
	}
	if len(pos) == 0 {
		return 0, nil, cli.Usagef("%s: missing KEY (0xHEX or decimal, or -path FILE [-id N])", cmd)
	}
	// KEY+N is accepted too, so that a scenario can name the key next to
	// its own $KEY.
	base, off, plus := strings.Cut(pos[0], "+")
	v, err := strconv.ParseInt(base, 0, 64)
	if plus && err == nil {
		var o int64
		o, err = strconv.ParseInt(off, 0, 64)
		v += o
	}
	if err != nil || v < 1 || v > 0xffffffff-2 {
		return 0, nil, cli.Usagef("%s: key %q: want a number from 1 to 0xfffffffd (0 is IPC_PRIVATE; the FIFO uses KEY, KEY+1, KEY+2)", cmd, pos[0])
	}
	return int(int32(uint32(v))), pos[1:], nil
}

// Ftok is glibc's ftok: the low 8 bits of id, the low 8 bits of the file's
// device number and the low 16 bits of its inode number. Different files can
// give the same key; a FIFO needs key+1 and key+2 free as well.
func Ftok(path string, id int) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("ftok "+path, "stat", err)
	}
	k := uint32(id&0xff)<<24 | uint32(st.Dev&0xff)<<16 | uint32(st.Ino&0xffff)
	return int(int32(k)), nil
}
