//go:build linux && (amd64 || arm64)

// collide: two files that are not links of each other, with one key. ftok
// keeps only the low 16 bits of the inode number, so files whose inode
// numbers differ by a multiple of 65536 on one device share a key; making
// files until two do shows it on a real filesystem.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// collideMax bounds the files one run makes. A filesystem that hands out
// inode numbers one after another (tmpfs) collides at 65537 files at the
// latest; ext4 here did after about 33000.
const collideMax = 1 << 18

func collideCmd(f *cli.Flags) cli.Action {
	id := f.Int("id", 1, -1<<31, 1<<31-1, "the ftok project id; only its low 8 bits count")
	ready := f.Ready("it has begun making files (for a scenario that interrupts it)")
	f.Args(1, 1) // DIR
	return func(args []string) error {
		dir := args[0]
		// DIR/. : stat itself refuses anything but a directory (ENOTDIR).
		var st unix.Stat_t
		if err := unix.Stat(dir+"/.", &st); err != nil {
			return cli.Sys("collide: directory "+cli.Quote(dir), "stat", err)
		}
		return collide(dir, int(*id), true, *ready)
	}
}

func tourCollide() error {
	cli.Say("New empty files in one directory until two inodes agree in their low 16 bits:")
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	return collide(dir, 1, false, "")
}

// madeFiles are the files collide made. Each step of collide holds mu, so
// an interrupt removes them (cli.Made) between two steps, never under one
// that is using them, and no step runs after it: removeAll keeps mu.
type madeFiles struct {
	mu       sync.Mutex
	paths    []string
	keep     map[string]bool // kept when collide ends normally
	keepPair bool            // keep the pair that collides
}

// create makes the empty file p with O_EXCL (nothing is opened or written
// through a file or link that is already there) and records it. The caller
// holds m.mu.
func (m *madeFiles) create(p string) error {
	fd, err := unix.Open(p, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	unix.Close(fd)
	m.paths = append(m.paths, p)
	return nil
}

// removeAll removes every file made but those kept, and stops create.
func (m *madeFiles) removeAll() {
	m.mu.Lock() // not unlocked: no file is made after this
	for _, p := range m.paths {
		if !m.keep[p] {
			os.Remove(p)
		}
	}
	m.paths = nil
}

// collide makes files ftok-000000, ftok-000001, ... in dir until two have
// the same key, prints them, and removes every file it made but, with keep,
// those two (for the reader to check with another ftok).
func collide(dir string, id int, keep bool, ready string) error {
	files := &madeFiles{keep: map[string]bool{}, keepPair: keep}
	remove := cli.Made(files.removeAll)
	defer remove()
	byKey := map[int]string{}
	for i := 0; i < collideMax; i++ {
		done, err := collideStep(files, dir, i, id, byKey)
		if err != nil || done {
			return err
		}
		if i == 0 {
			if err := cli.Ready(ready); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("collide: no two of %d files in %s share a key: this filesystem reuses inode numbers or spreads them far apart", collideMax, cli.Quote(dir))
}

// collideStep makes file number i and reports whether its key is one an
// earlier file has (then it prints the pair, and keeps it when asked).
func collideStep(files *madeFiles, dir string, i, id int, byKey map[int]string) (bool, error) {
	files.mu.Lock()
	defer files.mu.Unlock()
	// A new empty file: a new inode on the same device.
	p := filepath.Join(dir, fmt.Sprintf("ftok-%06d", i))
	if err := files.create(p); err != nil {
		return false, cli.WithHints(cli.Sys("collide: create "+cli.Quote(p), "open", err), map[unix.Errno]string{
			unix.EACCES: "collide makes its files in the directory: name one you may write",
			unix.EEXIST: "collide makes new files named ftok-NNNNNN: name a directory without them",
		})
	}
	// Its key; a collision if an earlier file has it.
	key, err := ftok(p, id)
	if err != nil {
		return false, err
	}
	other, ok := byKey[key]
	if !ok {
		byKey[key] = p
		return false, nil
	}
	if err := showPair(i+1, other, p, id); err != nil {
		return false, err
	}
	if files.keepPair {
		files.keep[other], files.keep[p] = true, true
		cli.Say("Kept %s and %s in %s; the other files are removed.", filepath.Base(other), filepath.Base(p), cli.Quote(dir))
	}
	return true, nil
}

// showPair prints two files with one key: their inodes, and their keys
// made again from a fresh stat of each.
func showPair(made int, a, b string, id int) error {
	var sa, sb unix.Stat_t
	if err := unix.Stat(a, &sa); err != nil {
		return cli.Sys("collide: "+cli.Quote(a), "stat", err)
	}
	if err := unix.Stat(b, &sb); err != nil {
		return cli.Sys("collide: "+cli.Quote(b), "stat", err)
	}
	cli.Fact("files made", made)
	cli.Fact("file a", filepath.Base(a))
	cli.Fact("file b", filepath.Base(b))
	cli.Fact("inode a", sa.Ino)
	cli.Fact("inode b", sb.Ino)
	cli.Fact("same inode", cli.YesNo(sa.Ino == sb.Ino))
	cli.Fact("same device", cli.YesNo(sa.Dev == sb.Dev))
	cli.Fact("inode difference a multiple of 65536", cli.YesNo((sb.Ino-sa.Ino)%65536 == 0))
	ka, err := ftok(a, id)
	if err != nil {
		return err
	}
	kb, err := ftok(b, id)
	if err != nil {
		return err
	}
	cli.Fact("key a", cli.HexKey(ka))
	cli.Fact("key b", cli.HexKey(kb))
	cli.Fact("same key", cli.YesNo(ka == kb))
	return nil
}
