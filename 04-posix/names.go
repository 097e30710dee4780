//go:build linux && (amd64 || arm64)

// The names experiment: what glibc does with a POSIX IPC name (UNP vol. 2
// §2.2 leaves the rules to the system; these are Linux's with glibc). Each
// line is labelled with NAME in place of the name used, so that the output
// is the same from run to run, and line for line the same as a C program's
// using glibc's own shm_open (the root scenario 04_c_glibc).

package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func namesCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // NAME: the prefix of every name tried
	return func(args []string) error { return names(args[0]) }
}

func tourNames() error {
	cli.Say("UNP2 §2.2 leaves the name rules to the system. glibc drops every leading \"/\",")
	cli.Say("refuses \"\" or another \"/\" (EINVAL), and adds O_NOFOLLOW: a symlink is")
	cli.Say("refused (ELOOP). NAME stands for the name this run used.")
	return names(tourName("n"))
}

// madeFiles is what the names experiment leaves in /dev/shm, removed at
// the end, or on an interrupt.
type madeFiles []func()

func (m *madeFiles) add(path string) {
	track.File(path)
	*m = append(*m, made(path))
}

func (m *madeFiles) remove() {
	for _, r := range *m {
		r()
	}
}

func names(base string) error {
	if err := checkPrefix("names", base, 200); err != nil {
		return err
	}
	base = strings.TrimLeft(base, "/")
	cli.Fact("NAME", cli.Quote(base))
	var m madeFiles
	defer m.remove()
	if err := spellings(base, &m); err != nil {
		return err
	}
	refused(base, &m)
	if err := inTheWay(base, &m); err != nil {
		return err
	}
	unlinkRules(base)
	return nil
}

// spellings: one object, three spellings ("/NAME", "NAME", "//NAME").
func spellings(base string, m *madeFiles) error {
	fd, err := ShmOpen("/"+base, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return shmErr("shm_open /"+base, "shm_open", err)
	}
	path, _ := ShmPath("/" + base)
	m.add(path)
	st, err := Stat(fd)
	unix.Close(fd)
	if err != nil {
		return shmErr("stat /"+base, "fstat", err)
	}
	cli.Fact(`"/NAME"`, "created "+strings.Replace(path, base, "NAME", 1))
	for _, n := range []string{base, "//" + base} {
		label := fmt.Sprintf("%q", strings.Replace(n, base, "NAME", 1))
		fd, err := ShmOpen(n, unix.O_RDWR, 0)
		if err != nil {
			cli.Fact(label, cli.Outcome(err))
			continue
		}
		other, err := Stat(fd)
		unix.Close(fd)
		if err != nil {
			return shmErr("stat "+n, "fstat", err)
		}
		cli.Fact(label, "ok, same object: "+cli.YesNo(other.Ino == st.Ino && other.Dev == st.Dev))
	}
	return nil
}

// padded is "/" + base, padded with x to n bytes after the "/".
func padded(base string, n int) string { return "/" + base + strings.Repeat("x", n-len(base)) }

// refused: the names glibc refuses, and the lengths around NAME_MAX.
func refused(base string, m *madeFiles) {
	for _, c := range []struct{ label, name string }{
		{`""`, ""},
		{`"/"`, "/"},
		{`"/NAME/b"`, "/" + base + "/b"},
	} {
		_, err := ShmOpen(c.name, unix.O_CREAT|unix.O_RDWR, 0o600)
		cli.Fact(c.label, cli.Outcome(err))
	}
	for _, n := range []int{255, 256, 259, 260} {
		fd, err := ShmOpen(padded(base, n), unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
		if err == nil {
			unix.Close(fd)
			p, _ := ShmPath(padded(base, n))
			m.add(p)
		}
		cli.Fact(fmt.Sprintf("%d bytes", n), cli.Outcome(err))
	}
}

// inTheWay: what else may stand in /dev/shm under a name, a symlink or a
// directory, and what shm_open and shm_unlink make of it.
func inTheWay(base string, m *madeFiles) error {
	path, _ := ShmPath("/" + base)
	link := ShmDir + base + "-link"
	if err := os.Symlink(path, link); err != nil {
		return cli.Sys("make a symlink in "+ShmDir, "symlink", err)
	}
	m.add(link)
	_, err := ShmOpen(base+"-link", unix.O_RDWR, 0)
	cli.Fact("a symlink to the object", cli.Outcome(err))

	dir := ShmDir + base + "-dir"
	if err := os.Mkdir(dir, 0o700); err != nil {
		return cli.Sys("make a directory in "+ShmDir, "mkdir", err)
	}
	m.add(dir)
	_, err = ShmOpen(base+"-dir", unix.O_RDWR, 0)
	cli.Fact("a directory, O_RDWR", cli.Outcome(err))
	fd, err := ShmOpen(base+"-dir", unix.O_RDONLY, 0)
	if err == nil {
		unix.Close(fd)
	}
	cli.Fact("a directory, O_RDONLY", cli.Outcome(err))
	cli.Fact("shm_unlink of the directory", cli.Outcome(ShmUnlink(base+"-dir")))
	return nil
}

// unlinkRules: shm_unlink reports the names glibc refuses as ENOENT.
func unlinkRules(base string) {
	cli.Fact(`shm_unlink ""`, cli.Outcome(ShmUnlink("")))
	cli.Fact(`shm_unlink "/NAME/b"`, cli.Outcome(ShmUnlink("/"+base+"/b")))
	cli.Fact("shm_unlink of 260 bytes", cli.Outcome(ShmUnlink(padded(base, 260))))
	cli.Fact(`shm_unlink "NAME"`, cli.Outcome(ShmUnlink(base)))
	cli.Fact(`shm_unlink "NAME" again`, cli.Outcome(ShmUnlink(base)))
}
