//go:build linux && (amd64 || arm64)

// The reexec experiment: the Go way to share memory with a new process. Go
// cannot fork and keep running Go in the child, so it forks and execs (os/exec)
// and passes a descriptor; the new program maps the memory behind it.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

// The environment of a re-executed child: its role ("reexec:" and a
// one-time token, which the parent also writes into the memfd at
// offReexecToken), and the address of the parent's MAP_ANONYMOUS mapping
// (to look for it after exec). See reexecrole.go.
const (
	envRole     = "SHMLAB_ANONFORK_ROLE"
	envAnonAddr = "SHMLAB_ANONFORK_ANON"
)

const (
	msgReexecParent = "hello from the parent"
	msgReexecChild  = "hello from the child"
	offReexecReply  = 64
	offReexecToken  = 128
	tokenLen        = 32 // hex digits
	memfdReexec     = "shmlab-reexec"
)

func reexecCmd(f *cli.Flags) cli.Action {
	return func(args []string) error { return reexec() }
}

func tourReexec() error {
	cli.Say("The Go way. memfd_create gives anonymous memory behind a descriptor: no name")
	cli.Say("in any filesystem, like MAP_ANONYMOUS, but a descriptor survives exec. The")
	cli.Say("parent maps it MAP_SHARED and starts this program again (os/exec, the memfd")
	cli.Say("as ExtraFiles[0], descriptor 3); the new process maps descriptor 3 and")
	cli.Say("answers through it. A MAP_ANONYMOUS mapping does not survive exec: the new")
	cli.Say("program starts with a new address space.")
	return reexec()
}

func reexec() error {
	// Anonymous memory behind a descriptor, mapped and written.
	ps := unix.Getpagesize()
	fd, err := MemfdCreate(memfdReexec, ps)
	if err != nil {
		return cli.Sys("create memfd "+memfdReexec, "memfd_create", err)
	}
	// An *os.File owns the descriptor from here on (os/exec wants one).
	mf := os.NewFile(uintptr(fd), "memfd:"+memfdReexec)
	defer mf.Close()
	if err := sizeAtLeast(fd, ps); err != nil {
		return err
	}
	m, err := MapFd(fd, ps)
	if err != nil {
		return cli.Sys(fmt.Sprintf("map descriptor %d", fd), "mmap", err)
	}
	defer Unmap(m)
	// The message, and the token the new program must find there.
	token := newToken()
	if err := writeString(m, 0, msgReexecParent); err != nil {
		return fmt.Errorf("reexec: write into the memfd: %w", err)
	}
	if err := writeString(m, offReexecToken, token); err != nil {
		return fmt.Errorf("reexec: write into the memfd: %w", err)
	}
	// A MAP_ANONYMOUS page too: the child will look for it.
	anon, err := MapAnon(ps, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map anonymous memory", "mmap", err)
	}
	defer Unmap(anon)
	copy(anon, "anonymous memory of the parent")

	if err := showMemfd(fd); err != nil {
		return err
	}

	// Start this program again with the memfd as descriptor 3
	// (reexecChild), and read its answer.
	addr := uintptr(unsafe.Pointer(&anon[0]))
	cmd, err := StartWithFd(mf, []string{envRole + "=reexec:" + token, envAnonAddr + "=" + strconv.FormatUint(uint64(addr), 16)},
		os.Stdout, os.Stderr)
	if err != nil {
		return cli.Sys("re-execute this program", "fork/exec", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("reexec: the child failed: %v", err)
	}
	reply, err := readString(m, offReexecReply, msgLen)
	if err != nil {
		return fmt.Errorf("reexec: read the child's reply: %w", err)
	}
	cli.Fact("parent reads the child's reply", reply)
	return nil
}

// showMemfd shows what /proc and stat say of the memfd: its only name is
// a label in /proc, which no filesystem holds; and it is close-on-exec
// (MFD_CLOEXEC): no program this one execs gets it unasked.
func showMemfd(fd int) error {
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return err
	}
	cli.Fact("memfd in /proc/self/fd", link)
	cli.Fact("memfd close-on-exec", closeOnExec(fd))
	name := strings.TrimSuffix(link, " (deleted)")
	_, serr := os.Stat(name)
	cli.Fact("stat "+name, cli.OutcomeOr(serr, "exists"))
	return nil
}

// newToken is a one-time token: 16 random bytes in hex (tokenLen digits).
func newToken() string {
	var b [tokenLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reexecChild is the new program of reexec: descriptor 3 is the memfd,
// already checked by childMain (checkChildFd), size included.
func reexecChild(size int64) error {
	// The size came from the parent: map no more than one page.
	m, err := MapFd(3, int(min(size, int64(unix.Getpagesize()))))
	if err != nil {
		return cli.Sys("map descriptor 3", "mmap", err)
	}
	defer Unmap(m)
	msg, err := readString(m, 0, msgLen)
	if err != nil {
		return fmt.Errorf("read through descriptor 3: %w", err)
	}
	cli.Fact("child reads through descriptor 3", msg)
	// Descriptor 3 was handed over; any other memfd came through exec
	// because it was not close-on-exec.
	cli.Fact("memfd descriptors in the new program", openOn("/memfd:"+memfdReexec+" (deleted)"))
	if err := writeString(m, offReexecReply, msgReexecChild); err != nil {
		return fmt.Errorf("write through descriptor 3: %w", err)
	}

	// The parent's MAP_ANONYMOUS page: is anything mapped at its address?
	addr, err := strconv.ParseUint(os.Getenv(envAnonAddr), 16, 64)
	if err != nil {
		return fmt.Errorf("bad %s: %v", envAnonAddr, err)
	}
	maps, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	mp, found := procfs.Find(maps, uintptr(addr))
	present := found && mp.Start == uintptr(addr) && strings.HasPrefix(mp.Path, "/dev/zero")
	cli.Fact("parent's MAP_ANONYMOUS mapping present after exec", cli.YesNo(present))
	return nil
}
