//go:build linux && (amd64 || arm64)

// The names experiment: what glibc does with a POSIX IPC name (UNP vol. 2
// §2.2 leaves the rules to the system; these are Linux's with glibc).

package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

func runNames(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("names"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("names", pos, 1, 1); err != nil {
		return err
	}
	return names(pos[0])
}

func tourNames() error {
	cli.Say("POSIX says a portable name is \"/\" and then no other \"/\" (UNP2 §2.2), and")
	cli.Say("leaves the rest to the system. glibc drops every leading \"/\", refuses an")
	cli.Say("empty name or one with another \"/\" (EINVAL), and opens /dev/shm/NAME with")
	cli.Say("O_NOFOLLOW, so a symlink planted there is refused (ELOOP). NAME below stands")
	cli.Say("for the name this run used.")
	return names(tourName("n"))
}

// names tries the rules with names made from base, each line labelled with
// NAME in place of base so that the output is the same from run to run.
func names(base string) error {
	base = strings.TrimLeft(base, "/")
	if base == "" || strings.Contains(base, "/") || len(base) > 200 {
		return cli.Usagef("names: NAME must be a valid name of at most 200 bytes, it is the prefix of every name tried")
	}
	cli.Fact("NAME", base)
	var made []string
	defer func() {
		for _, p := range made {
			os.Remove(p)
		}
	}()

	// One object, three spellings.
	fd, err := ShmOpen("/"+base, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return explain(err)
	}
	path, _ := ShmPath("/" + base)
	made = append(made, path)
	track.File(path)
	st, err := Stat(fd)
	unix.Close(fd)
	if err != nil {
		return err
	}
	cli.Fact(`"/NAME"`, "created "+strings.Replace(path, base, "NAME", 1))
	for _, n := range []string{base, "//" + base} {
		label := fmt.Sprintf("%q", strings.Replace(n, base, "NAME", 1))
		fd, err := ShmOpen(n, unix.O_RDWR, 0)
		if err != nil {
			cli.Fact(label, errnoOf(err))
			continue
		}
		other, err := Stat(fd)
		unix.Close(fd)
		if err != nil {
			return err
		}
		cli.Fact(label, "ok, same object: "+cli.YesNo(other.Ino == st.Ino && other.Dev == st.Dev))
	}

	// Names glibc refuses, and the lengths.
	for _, c := range []struct{ label, name string }{
		{`""`, ""},
		{`"/"`, "/"},
		{`"/NAME/b"`, "/" + base + "/b"},
	} {
		_, err := ShmOpen(c.name, unix.O_CREAT|unix.O_RDWR, 0o600)
		cli.Fact(c.label, errnoOf(err))
	}
	pad := func(n int) string { return "/" + base + strings.Repeat("x", n-len(base)) }
	for _, n := range []int{255, 256, 259, 260} {
		fd, err := ShmOpen(pad(n), unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
		if err == nil {
			unix.Close(fd)
			p, _ := ShmPath(pad(n))
			made = append(made, p)
			track.File(p)
		}
		cli.Fact(fmt.Sprintf("%d bytes", n), errnoOf(err))
	}

	// What stands in /dev/shm under a name: a symlink, a directory.
	link := ShmDir + base + "-link"
	if err := os.Symlink(path, link); err != nil {
		return cli.Sys("make a symlink in "+ShmDir, "symlink", err)
	}
	made = append(made, link)
	track.File(link)
	_, err = ShmOpen(base+"-link", unix.O_RDWR, 0)
	cli.Fact("a symlink to the object", errnoOf(err))
	dir := ShmDir + base + "-dir"
	if err := os.Mkdir(dir, 0o700); err != nil {
		return cli.Sys("make a directory in "+ShmDir, "mkdir", err)
	}
	made = append(made, dir)
	track.File(dir)
	_, err = ShmOpen(base+"-dir", unix.O_RDWR, 0)
	cli.Fact("a directory, O_RDWR", errnoOf(err))
	fd, err = ShmOpen(base+"-dir", unix.O_RDONLY, 0)
	if err == nil {
		unix.Close(fd)
	}
	cli.Fact("a directory, O_RDONLY", errnoOf(err))
	cli.Fact("shm_unlink of the directory", errnoOf(ShmUnlink(base+"-dir")))

	// shm_unlink reports the names glibc refuses as ENOENT.
	cli.Fact(`shm_unlink ""`, errnoOf(ShmUnlink("")))
	cli.Fact(`shm_unlink "/NAME/b"`, errnoOf(ShmUnlink("/"+base+"/b")))
	cli.Fact("shm_unlink of 260 bytes", errnoOf(ShmUnlink(pad(260))))
	cli.Fact(`shm_unlink "NAME"`, errnoOf(ShmUnlink(base)))
	cli.Fact(`shm_unlink "NAME" again`, errnoOf(ShmUnlink(base)))
	return nil
}
