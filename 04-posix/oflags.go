//go:build linux && (amd64 || arm64)

// The oflags experiment: the open flags of notes 001 §1.1.3.1, and what
// Linux does with the combinations the notes describe loosely.

package main

import (
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func oflagsCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // NAME
	return func(args []string) error { return oflags(args[0]) }
}

func tourOflags() error {
	cli.Say("O_CREAT alone opens an existing object; O_EXCL alone is ignored. O_TRUNC, which")
	cli.Say("the notes tie to O_WRONLY, truncates with any access mode; an O_WRONLY")
	cli.Say("descriptor cannot be mapped (mmap needs read access).")
	return oflags(tourName("o"))
}

// oflagsTried are the opens tried on the existing object, each after it is
// filled again, with what to do with the descriptor afterwards.
var oflagsTried = []struct {
	label string
	flags int
	then  func(fd int)
}{
	{"O_CREAT|O_RDWR on an existing name", unix.O_CREAT | unix.O_RDWR, nil},
	{"O_CREAT|O_EXCL|O_RDWR on an existing name", unix.O_CREAT | unix.O_EXCL | unix.O_RDWR, nil},
	{"O_EXCL|O_RDWR without O_CREAT", unix.O_EXCL | unix.O_RDWR, nil},
	{"O_RDWR|O_TRUNC", unix.O_RDWR | unix.O_TRUNC, nil},
	{"O_RDONLY|O_TRUNC", unix.O_RDONLY | unix.O_TRUNC, nil},
	{"O_WRONLY|O_TRUNC", unix.O_WRONLY | unix.O_TRUNC, wronly},
}

func oflags(name string) error {
	// Make the object, and remember its inode: "same object" means that one.
	if err := checkName("oflags", name); err != nil {
		return err
	}
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	track.File(shmFile(name))
	defer made(shmFile(name))()
	defer ShmUnlink(name)
	st, err := Stat(fd)
	unix.Close(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}

	// Each open in turn, on a page that starts with DATA.
	for _, o := range oflagsTried {
		if err := fill(name); err != nil {
			return err
		}
		if err := tryOpen(name, st.Ino, o.label, o.flags, o.then); err != nil {
			return err
		}
	}
	return nil
}

// fill gives the object a page with DATA at its start.
func fill(name string) error {
	if err := resizeByName(name, 4096); err != nil {
		return err
	}
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
	}
	defer unix.Close(fd)
	_, err = unix.Pwrite(fd, []byte("DATA"), 0)
	return cli.Sys("write "+cli.Quote(name), "pwrite", err)
}

// tryOpen opens name with flags and says what happened: the errno, or which
// object it opened and its size after the open; then runs then on it.
func tryOpen(name string, ino uint64, label string, flags int, then func(fd int)) error {
	fd, err := ShmOpen(name, flags, 0o600)
	if err != nil {
		cli.Fact(label, cli.Outcome(err))
		return nil
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	same := "same object"
	if st.Ino != ino {
		same = "another object"
	}
	cli.Fact(label, fmt.Sprintf("ok, %s, size %d", same, st.Size))
	if then != nil {
		then(fd)
	}
	return nil
}

// wronly shows what an O_WRONLY descriptor can be used for: writing, but
// not reading, and no mapping at all (mmap needs read access).
func wronly(fd int) {
	cli.Fact("O_WRONLY: ftruncate", cli.Outcome(Resize(fd, 4096)))
	_, err := unix.Pwrite(fd, []byte("DATA"), 0)
	cli.Fact("O_WRONLY: pwrite", cli.Outcome(err))
	_, err = unix.Pread(fd, make([]byte, 4), 0)
	cli.Fact("O_WRONLY: pread", cli.Outcome(err))
	for _, p := range []struct {
		label string
		prot  int
	}{
		{"O_WRONLY: mmap PROT_WRITE MAP_SHARED", unix.PROT_WRITE},
		{"O_WRONLY: mmap PROT_READ MAP_SHARED", unix.PROT_READ},
	} {
		m, err := Map(fd, 0, 4096, p.prot)
		if err == nil {
			Unmap(m)
		}
		cli.Fact(p.label, cli.Outcome(err))
	}
}
