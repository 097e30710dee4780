//go:build linux && (amd64 || arm64)

// The ftok experiment: how a key is made from a file, and why two names can
// share a key.

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func runFtok(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("ftok"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("ftok", pos, 1, 2); err != nil {
		return err
	}
	id := int64(1)
	if len(pos) == 2 {
		if id, err = cli.ParseCount("id", pos[1], -1<<31, 1<<31-1); err != nil {
			return err
		}
	}
	return ftok(pos[0], int(id))
}

// ftok prints the key and the three parts it is made of.
func ftok(path string, id int) error {
	key, err := Ftok(path, id)
	if err != nil {
		return err
	}
	cli.Fact("key", hexKey(key))
	// The parts, from a stat of our own, to show where the bits come from.
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return cli.Sys("ftok "+path, "stat", err)
	}
	cli.Fact("id low 8 bits", fmt.Sprintf("0x%02x", uint32(id)&0xff))
	cli.Fact("st_dev low 8 bits", fmt.Sprintf("0x%02x", st.Dev&0xff))
	cli.Fact("st_ino low 16 bits", fmt.Sprintf("0x%04x", st.Ino&0xffff))
	return nil
}

func tourFtok() error {
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
	cli.Say("ftok(path, id) packs 8 bits of id, 8 of the file's device and 16 of its")
	cli.Say("inode into a 32-bit key (键值), as glibc does. The notes say keys are equal")
	cli.Say("only when name and id are; but only those bits count:")
	k1, err := Ftok(a, 1)
	if err != nil {
		return err
	}
	k257, err := Ftok(a, 257)
	if err != nil {
		return err
	}
	cli.Fact("ftok(a, 1) == ftok(a, 257)", cli.YesNo(k1 == k257))
	kb, err := Ftok(b, 1)
	if err != nil {
		return err
	}
	cli.Fact("ftok(a, 1) == ftok(hard link b, 1)", cli.YesNo(k1 == kb))
	cli.Say("The file must exist: the key comes from stat().")
	_, err = Ftok(dir+"/missing", 1)
	cli.Fact("ftok of a missing file", cli.Outcome(err))
	return nil
}
