//go:build linux && (amd64 || arm64)

// The create experiment (notes 001 §1.1.3.1): shm_open with O_CREAT makes
// a file in /dev/shm, of size 0 until ftruncate gives it one.

package main

import (
	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func createCmd(f *cli.Flags) cli.Action {
	size := f.Int("size", 0, 0, 1<<40, "ftruncate the object to N bytes (without -size: leave its size; a new object has 0)")
	excl := f.Bool("excl", "O_EXCL: fail if the name exists")
	mode := f.Mode("mode", 0o600, "the permission bits of a new object, before the umask")
	umask := f.String("umask", "MODE", "", "set the umask first (it filters -mode)")
	f.Args(1, 1) // NAME
	return func(args []string) error {
		if err := setUmask(*umask); err != nil {
			return err
		}
		sz := *size
		if !f.Given("size") {
			sz = -1
		}
		return create(args[0], sz, *mode, *excl)
	}
}

func tourCreate() error {
	name := tourName("a")
	cli.Say("shm_open(O_CREAT|O_EXCL|O_RDWR, 0600) makes an object of size 0, the file")
	cli.Say("/dev/shm/NAME; ftruncate sizes it.")
	if err := create(name, 4096, 0o600, true); err != nil {
		return err
	}
	defer made(shmFile(name))()
	defer ShmUnlink(name)

	// The name exists now: O_EXCL refuses it, O_CREAT alone opens it.
	cli.Say("The name exists now: O_EXCL refuses it, O_CREAT alone opens it (单独使用O_CREAT).")
	_, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	cli.Fact("O_CREAT|O_EXCL again", cli.Outcome(err))
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_RDWR, 0o600)
	cli.Fact("O_CREAT again", cli.Outcome(err))
	if err == nil {
		unix.Close(fd)
	}
	return nil
}

// create opens or makes name, sizes it unless size < 0, and prints what it
// is.
func create(name string, size int64, mode uint32, excl bool) error {
	// O_CREAT makes the object if the name is free; O_EXCL insists on it.
	flags := unix.O_CREAT | unix.O_RDWR
	if excl {
		flags |= unix.O_EXCL
	}
	// Without O_EXCL, whether this run makes the object is what the name
	// was just before: nothing there, and the object is ours.
	var before unix.Stat_t
	path, _ := ShmPath(name)
	free := path != "" && unix.Lstat(path, &before) == unix.ENOENT
	fd, opened, err := openObject("create", name, flags, mode)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	track.File(path)

	// A new object has size 0: ftruncate gives it one.
	if size >= 0 {
		if err := Resize(fd, size); err != nil {
			if excl || free && opened.Size == 0 {
				ShmUnlink(name) // ours, and not usable: leave nothing behind
			}
			return shmErr("set the size of "+cli.Quote(name), "ftruncate", err)
		}
	}

	// fstat: the size, and the mode the umask left.
	st, err := Stat(fd)
	if err != nil {
		return shmErr("stat "+cli.Quote(name), "fstat", err)
	}
	// The descriptor's flags, as the kernel keeps them: shm_open adds
	// O_CLOEXEC, so a program this one starts does not inherit it.
	cloexec, err := closeOnExec(fd)
	if err != nil {
		return err
	}
	cli.Fact("path", cli.Quote(path))
	cli.Fact("size", st.Size)
	cli.Fact("umask", modeString(currentUmask()))
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("close-on-exec", cli.YesNo(cloexec))
	return nil
}
