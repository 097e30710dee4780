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

func runOflags(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("oflags"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("oflags", pos, 1, 1); err != nil {
		return err
	}
	return oflags(pos[0])
}

func tourOflags() error {
	cli.Say("O_CREAT alone opens an existing object; O_EXCL without O_CREAT is ignored.")
	cli.Say("The notes tie O_TRUNC to O_WRONLY, but shm_open only knows O_RDONLY and O_RDWR")
	cli.Say("(POSIX). glibc passes the flags to open(2) as they are, so O_WRONLY works, and")
	cli.Say("truncates; but such a descriptor cannot be mapped at all: mmap needs read access.")
	return oflags(tourName("o"))
}

func oflags(name string) error {
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return explain(err)
	}
	path, _ := ShmPath(name)
	track.File(path)
	defer ShmUnlink(name)
	st, err := Stat(fd)
	unix.Close(fd)
	if err != nil {
		return err
	}
	ino := st.Ino
	// fill gives the object a page with DATA at its start.
	fill := func() error {
		if err := resizeByName(name, 4096); err != nil {
			return err
		}
		fd, err := ShmOpen(name, unix.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		_, err = unix.Pwrite(fd, []byte("DATA"), 0)
		return cli.Sys("write", "pwrite", err)
	}
	if err := fill(); err != nil {
		return err
	}
	// try opens with flags and reports what happened and the size after.
	try := func(label string, flags int, then func(fd int) error) error {
		fd, err := ShmOpen(name, flags, 0o600)
		if err != nil {
			cli.Fact(label, errnoOf(err))
			return nil
		}
		defer unix.Close(fd)
		st, err := Stat(fd)
		if err != nil {
			return err
		}
		same := "same object"
		if st.Ino != ino {
			same = "another object"
		}
		cli.Fact(label, fmt.Sprintf("ok, %s, size %d", same, st.Size))
		if then != nil {
			return then(fd)
		}
		return nil
	}
	steps := []struct {
		label string
		flags int
		then  func(fd int) error
	}{
		{"O_CREAT|O_RDWR on an existing name", unix.O_CREAT | unix.O_RDWR, nil},
		{"O_CREAT|O_EXCL|O_RDWR on an existing name", unix.O_CREAT | unix.O_EXCL | unix.O_RDWR, nil},
		{"O_EXCL|O_RDWR without O_CREAT", unix.O_EXCL | unix.O_RDWR, nil},
		{"O_RDWR|O_TRUNC", unix.O_RDWR | unix.O_TRUNC, nil},
		{"O_RDONLY|O_TRUNC", unix.O_RDONLY | unix.O_TRUNC, nil},
		{"O_WRONLY|O_TRUNC", unix.O_WRONLY | unix.O_TRUNC, wronly},
	}
	for _, s := range steps {
		if err := fill(); err != nil {
			return err
		}
		if err := try(s.label, s.flags, s.then); err != nil {
			return err
		}
	}
	return nil
}

// wronly shows what an O_WRONLY descriptor can be used for.
func wronly(fd int) error {
	cli.Fact("O_WRONLY: ftruncate", errnoOf(Resize(fd, 4096)))
	_, err := unix.Pwrite(fd, []byte("DATA"), 0)
	cli.Fact("O_WRONLY: pwrite", errnoOf(err))
	_, err = unix.Pread(fd, make([]byte, 4), 0)
	cli.Fact("O_WRONLY: pread", errnoOf(err))
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
		cli.Fact(p.label, errnoOf(err))
	}
	return nil
}
