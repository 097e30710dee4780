//go:build linux && (amd64 || arm64)

// How a command names a segment: -key K, -path FILE [-id N] (ftok), -shmid
// ID, or -private for create. Shared by every experiment; 06-shmfifo takes
// the same flags.

package main

import (
	"flag"
	"fmt"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// target holds the flags that name a segment.
type target struct {
	key     string
	path    string
	id      string
	shmid   string
	private bool
	create  bool // for create: -private instead of -shmid
}

// addTarget registers -key, -path, -id and -shmid (and -private if
// create) on fs.
func addTarget(fs *flag.FlagSet, create bool) *target {
	t := &target{create: create}
	fs.StringVar(&t.key, "key", "", "the key, 0xHEX or decimal")
	fs.StringVar(&t.path, "path", "", "make the key with ftok(FILE, ID)")
	fs.StringVar(&t.id, "id", "", "the project id for ftok (default 1)")
	if create {
		fs.BoolVar(&t.private, "private", false, "IPC_PRIVATE: always a new segment")
	} else {
		fs.StringVar(&t.shmid, "shmid", "", "name the segment by its id")
	}
	return t
}

// parseKey reads a key_t: 0xHEX, decimal or 0 octal, 32 bits, signed or not.
func parseKey(s string) (int, error) {
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil || v < -1<<31 || v > 1<<32-1 {
		return 0, cli.Usagef("key %q: want a 32-bit number such as 0x7e001230", s)
	}
	return int(int32(v)), nil
}

// resolve gives the key the flags name: IPC_PRIVATE for -private.
func (t *target) resolve() (int, error) {
	n := 0
	for _, set := range []bool{t.key != "", t.path != "", t.shmid != "", t.private} {
		if set {
			n++
		}
	}
	if n > 1 {
		return 0, cli.Usagef("name the segment once: -key, -path, -shmid and -private exclude each other")
	}
	if t.id != "" && t.path == "" {
		return 0, cli.Usagef("-id is the ftok project id: it needs -path")
	}
	switch {
	case t.private:
		return unix.IPC_PRIVATE, nil
	case t.key != "":
		return parseKey(t.key)
	case t.path != "":
		id := int64(1)
		if t.id != "" {
			v, err := cli.ParseCount("id", t.id, -1<<31, 1<<31-1)
			if err != nil {
				return 0, err
			}
			id = v
		}
		return Ftok(t.path, int(id))
	}
	if t.create {
		return 0, cli.Usagef("name the segment: -key K, -path FILE [-id N] or -private")
	}
	return 0, cli.Usagef("name the segment: -key K, -path FILE [-id N] or -shmid ID")
}

// open gives the id of the segment the flags name, as an existing one:
// shmget(key, 0, 0), or the -shmid as is.
func (t *target) open() (int, error) {
	if t.shmid != "" {
		if t.key != "" || t.path != "" || t.id != "" {
			return 0, cli.Usagef("name the segment once: -key, -path [-id] and -shmid exclude each other")
		}
		v, err := cli.ParseCount("shmid", t.shmid, 0, 1<<31-1)
		return int(v), err
	}
	key, err := t.resolve()
	if err != nil {
		return 0, err
	}
	if key == unix.IPC_PRIVATE {
		// shmget(IPC_PRIVATE, ...) would make a new segment, not find one.
		return 0, cli.Usagef("key 0x00000000 is IPC_PRIVATE and names no segment: use -shmid ID")
	}
	id, err := Get(key, 0, 0)
	return id, withHint(err, key)
}

// withHint adds to a shmget error what the reader can do about it.
func withHint(err error, key int) error {
	k := fmt.Sprintf("0x%08x", uint32(key))
	return cli.WithHints(err, map[syscall.Errno]string{
		unix.ENOENT: "no segment has this key (create it: sysv create -key " + k + " -size N)",
		unix.EEXIST: "a segment with this key exists (drop -excl, or remove it: ipcrm -M " + k + ")",
		unix.EACCES: "the segment's mode does not let this user in (see sysv stat, ipcs -m)",
		unix.EINVAL: "size 0 or over SHMMAX for a new segment, or larger than the existing one (sysv stat shows its size)",
		unix.ENOSPC: "SHMMNI segments or SHMALL pages in use (sysv limits)",
		unix.ENOMEM: "not enough memory to account for a segment this size",
	})
}
