//go:build linux && (amd64 || arm64)

package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// Key holds the flags that name a System V object the same way in every
// program (03-sysv's segments, 06-shmfifo's FIFOs):
//
//	-key K           the key itself: 0xHEX, decimal or 0 octal; K+N names the
//	                 N-th key after K (a scenario's $KEY+1)
//	-path FILE       the key ftok(FILE, -id) makes (-id N: project id, default 1)
//	-shmid ID        the segment's id, no key at all (where Shmid was asked for)
//	-private         IPC_PRIVATE: always a new object (where Private was asked for)
//
// ftok itself is the lesson (03's lab.go), so Resolve takes it as an argument.
type Key struct {
	key, path, id, shmid string
	private              bool
	shmidOK, privateOK   bool
}

// KeyOpts says which of the optional key flags an experiment takes.
type KeyOpts struct {
	Shmid   bool // -shmid ID: name an existing segment by its id
	Private bool // -private: IPC_PRIVATE, for an experiment that creates
}

// Ftok is the signature of a lesson's ftok.
type Ftok func(path string, id int) (int, error)

// Key declares -key, -path and -id, and -shmid or -private as opts asks.
func (f *Flags) Key(opts KeyOpts) *Key {
	k := &Key{shmidOK: opts.Shmid, privateOK: opts.Private}
	f.fs.StringVar(&k.key, "key", "", "the key: 0xHEX or decimal (K+N: N keys after K)")
	f.metas["key"] = "K"
	f.fs.StringVar(&k.path, "path", "", "make the key with ftok(FILE, -id)")
	f.metas["path"] = "FILE"
	f.fs.StringVar(&k.id, "id", "", "the ftok project id; only its low 8 bits count (default 1)")
	f.metas["id"] = "N"
	if opts.Shmid {
		f.fs.StringVar(&k.shmid, "shmid", "", "name the segment by its id (from shmget, ipcs -m)")
		f.metas["shmid"] = "ID"
	}
	if opts.Private {
		f.fs.BoolVar(&k.private, "private", false, "IPC_PRIVATE (key 0): always a new object")
	}
	return k
}

// Given reports whether any key flag was given.
func (k *Key) Given() bool {
	return k.key != "" || k.path != "" || k.id != "" || k.shmid != "" || k.private
}

// Shmid gives the -shmid value, and whether -shmid was the way the object
// was named (then no other key flag may be).
func (k *Key) Shmid() (int, bool, error) {
	if k.shmid == "" {
		return 0, false, nil
	}
	if k.key != "" || k.path != "" || k.id != "" {
		return 0, true, Usagef("name the object once: -key, -path [-id] and -shmid exclude each other")
	}
	v, err := ParseCount("shmid", k.shmid, 0, 1<<31-1)
	return int(v), true, err
}

// Resolve gives the key the flags name (0, IPC_PRIVATE, for -private),
// calling ftok for -path. With no key flag it takes the key from arg, the
// positional KEY some programs accept, unless arg is "".
func (k *Key) Resolve(ftok Ftok, arg string) (int, error) {
	n := 0
	for _, set := range []bool{k.key != "", k.path != "", k.shmid != "", k.private, arg != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return 0, Usagef("name the object once: %s exclude each other", k.ways())
	}
	if k.id != "" && k.path == "" {
		return 0, Usagef("-id is the ftok project id: it needs -path")
	}
	switch {
	case k.private:
		return 0, nil
	case k.key != "":
		return ParseKey(k.key)
	case arg != "":
		return ParseKey(arg)
	case k.path != "":
		id := int64(1)
		if k.id != "" {
			v, err := ParseCount("id", k.id, -1<<31, 1<<31-1)
			if err != nil {
				return 0, err
			}
			id = v
		}
		return ftok(k.path, int(id))
	}
	return 0, Usagef("name the object: %s", k.ways())
}

// ways lists the flags that name an object here, for usage errors.
func (k *Key) ways() string {
	s := "-key K, -path FILE [-id N]"
	if k.shmidOK {
		s += ", -shmid ID"
	}
	if k.privateOK {
		s += ", -private"
	}
	return s
}

// ParseKey reads a key_t: 0xHEX, decimal or 0 octal, 32 bits, signed or
// not, optionally followed by +N (the N-th key after it). It returns the
// key as the kernel's signed 32-bit key_t.
func ParseKey(s string) (int, error) {
	base, off, plus := strings.Cut(s, "+")
	v, err := strconv.ParseInt(base, 0, 64)
	if err == nil && plus {
		var o int64
		o, err = strconv.ParseInt(off, 0, 64)
		if err == nil && (o < 0 || o > 1<<16) {
			err = strconv.ErrRange
		}
		v += o
	}
	if err != nil || v < -1<<31 || v > 1<<32-1 {
		return 0, Usagef("key %q: want a 32-bit number such as 0x7e001230", s)
	}
	return int(int32(uint32(v))), nil
}

// HexKey prints a key the way ipcs does: 0x and eight hex digits.
func HexKey(key int) string { return fmt.Sprintf("0x%08x", uint32(key)) }
