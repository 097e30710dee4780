//go:build linux && (amd64 || arm64)

// The collide experiment: two files that are not links of each other, with
// one key. ftok keeps only the low 16 bits of the inode number, so files
// whose inode numbers differ by a multiple of 65536 on one device share a
// key; making files until two do shows it on a real filesystem.

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// collideMax bounds the files one run makes. A filesystem that hands out
// inode numbers one after another (tmpfs) collides at 65537 files at the
// latest; ext4 here did after about 33000.
const collideMax = 1 << 18

func runCollide(args []string) error {
	fs := cli.NewFlags("collide")
	idArg := fs.String("id", "1", "the ftok id (its low 8 bits count)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("collide", pos, 1, 1); err != nil {
		return err
	}
	id, err := cli.ParseCount("id", *idArg, -1<<31, 1<<31-1)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Stat(pos[0], &st); err != nil {
		return cli.Sys("collide: directory "+pos[0], "stat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return cli.Sys("collide: "+pos[0], "stat", unix.ENOTDIR)
	}
	return collide(pos[0], int(id), true)
}

func tourCollide() error {
	cli.Say("Two files that are not links of each other can have one key as well: make")
	cli.Say("new empty files in one directory (one device) until two inode numbers agree")
	cli.Say("in their low 16 bits.")
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	return collide(dir, 1, false)
}

// collide makes files ftok-000000, ftok-000001, ... in dir until two have
// the same key, prints them, and removes every file it made but, with keep,
// those two (for the reader to check with another ftok).
func collide(dir string, id int, keep bool) error {
	var made []string
	pair := [2]string{}
	defer func() {
		for _, p := range made {
			if !keep || (p != pair[0] && p != pair[1]) {
				os.Remove(p)
			}
		}
	}()
	byKey := map[int]string{}
	for i := 0; i < collideMax; i++ {
		p := filepath.Join(dir, fmt.Sprintf("ftok-%06d", i))
		fd, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return cli.SysHint("collide: create "+p, "open", err, "collide makes its files in an empty directory of yours")
		}
		unix.Close(fd)
		made = append(made, p)
		key, err := Ftok(p, id)
		if err != nil {
			return err
		}
		other, ok := byKey[key]
		if !ok {
			byKey[key] = p
			continue
		}
		pair = [2]string{other, p}
		var a, b unix.Stat_t
		if err := unix.Stat(other, &a); err != nil {
			return cli.Sys("collide: "+other, "stat", err)
		}
		if err := unix.Stat(p, &b); err != nil {
			return cli.Sys("collide: "+p, "stat", err)
		}
		cli.Fact("files made", len(made))
		cli.Fact("file a", filepath.Base(other))
		cli.Fact("file b", filepath.Base(p))
		cli.Fact("inode a", a.Ino)
		cli.Fact("inode b", b.Ino)
		cli.Fact("same inode", cli.YesNo(a.Ino == b.Ino))
		cli.Fact("same device", cli.YesNo(a.Dev == b.Dev))
		cli.Fact("inode difference a multiple of 65536", cli.YesNo((b.Ino-a.Ino)%65536 == 0))
		ka, err := Ftok(other, id) // again, from a fresh stat
		if err != nil {
			return err
		}
		cli.Fact("key a", hexKey(ka))
		cli.Fact("key b", hexKey(key))
		cli.Fact("same key", cli.YesNo(ka == key))
		if keep {
			cli.Say(fmt.Sprintf("Kept %s and %s in %s; the other files are removed.", pair[0], pair[1], dir))
		}
		return nil
	}
	return fmt.Errorf("collide: no two of %d files in %s share a key: this filesystem reuses inode numbers or spreads them far apart", collideMax, dir)
}
