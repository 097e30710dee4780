//go:build linux && (amd64 || arm64)

// ftok: how a key is made from a file, and why two names can share a key.

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func ftokCmd(f *cli.Flags) cli.Action {
	id := f.Int("id", 1, -1<<31, 1<<31-1, "the project id of ftok(PATH, id); only its low 8 bits count")
	f.Args(1, 1) // PATH
	return func(args []string) error { return showKey(args[0], int(*id)) }
}

// showKey prints the key of ftok(path, id) and the three parts it is made of.
func showKey(path string, id int) error {
	key, err := ftok(path, id)
	if err != nil {
		return err
	}
	cli.Fact("key", cli.HexKey(key))
	// The parts, from a stat of our own, to show where the bits come from.
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return cli.Sys("ftok "+cli.Quote(path), "stat", err)
	}
	cli.Fact("id low 8 bits", fmt.Sprintf("0x%02x", uint32(id)&0xff))
	cli.Fact("st_dev low 8 bits", fmt.Sprintf("0x%02x", st.Dev&0xff))
	cli.Fact("st_ino low 16 bits", fmt.Sprintf("0x%04x", st.Ino&0xffff))
	return nil
}

func tourFtok() error {
	// A file a and a hard link b to it: two names, one inode.
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	a, b := dir+"/a", dir+"/b"
	if err := os.WriteFile(a, nil, 0o600); err != nil {
		return err
	}
	if err := os.Link(a, b); err != nil {
		return err
	}
	cli.Say("ftok packs 8 bits of id, 8 of the file's device and 16 of its inode into a")
	cli.Say("key (键值), as glibc does; only those bits count:")

	// Ids 1 and 257 differ above the low 8 bits only.
	k1, err := ftok(a, 1)
	if err != nil {
		return err
	}
	k257, err := ftok(a, 257)
	if err != nil {
		return err
	}
	cli.Fact("ftok(a, 1) == ftok(a, 257)", cli.YesNo(k1 == k257))

	// Another name, the same inode.
	kb, err := ftok(b, 1)
	if err != nil {
		return err
	}
	cli.Fact("ftok(a, 1) == ftok(hard link b, 1)", cli.YesNo(k1 == kb))

	// No file, no stat, no key.
	cli.Say("The file must exist: the key comes from stat().")
	_, err = Ftok(dir+"/missing", 1)
	cli.Fact("ftok of a missing file", cli.Outcome(err))
	return nil
}
