//go:build linux && (amd64 || arm64)

// The reexec experiment: the Go way to share memory with a new process. Go
// cannot fork and keep running Go in the child, so it forks and execs (os/exec)
// and passes a descriptor; the new program maps the memory behind it.

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

// The environment of a re-executed child: its role, and the address of the
// parent's MAP_ANONYMOUS mapping (to look for it after exec).
const (
	envRole     = "SHMLAB_ANONFORK_ROLE"
	envAnonAddr = "SHMLAB_ANONFORK_ANON"
)

const (
	msgReexecParent = "hello from the parent"
	msgReexecChild  = "hello from the child"
	offReexecReply  = 64
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
	copy(m, msgReexecParent)
	// A MAP_ANONYMOUS page too: the child will look for it.
	anon, err := MapAnon(ps, unix.MAP_SHARED)
	if err != nil {
		return cli.Sys("map anonymous memory", "mmap", err)
	}
	defer Unmap(anon)
	copy(anon, "anonymous memory of the parent")

	// The memfd's only name is a label in /proc; no filesystem holds it.
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return err
	}
	cli.Fact("memfd in /proc/self/fd", link)
	// Close-on-exec (MFD_CLOEXEC): no program this one execs gets it unasked.
	cli.Fact("memfd close-on-exec", closeOnExec(fd))
	name := strings.TrimSuffix(link, " (deleted)")
	_, serr := os.Stat(name)
	cli.Fact("stat "+name, cli.OutcomeOr(serr, "exists"))

	// Start this program again with the memfd as descriptor 3
	// (reexecChild), and read its answer.
	addr := uintptr(unsafe.Pointer(&anon[0]))
	cmd, err := StartWithFd(mf, []string{envRole + "=reexec", envAnonAddr + "=" + strconv.FormatUint(uint64(addr), 16)},
		os.Stdout, os.Stderr)
	if err != nil {
		return cli.Sys("re-execute this program", "fork/exec", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("reexec: the child failed: %v", err)
	}
	cli.Fact("parent reads the child's reply", cstring(m[offReexecReply:offReexecReply+msgLen]))
	return nil
}

// childMain runs a re-executed child and returns its exit status.
func childMain() int {
	role := os.Getenv(envRole)
	os.Unsetenv(envRole)
	var err error
	switch role {
	case "reexec":
		err = reexecChild()
	default:
		err = fmt.Errorf("unknown child role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "anonfork (child): %v\n", err)
		return 1
	}
	return 0
}

// reexecChild is the new program of reexec: descriptor 3 is the memfd.
func reexecChild() error {
	var st unix.Stat_t
	if err := unix.Fstat(3, &st); err != nil {
		return cli.Sys("inspect descriptor 3", "fstat", err)
	}
	if st.Size < offReexecReply+msgLen {
		return fmt.Errorf("descriptor 3 has %d bytes, too few", st.Size)
	}
	// The size came from the parent: map no more than one page.
	m, err := MapFd(3, int(min(st.Size, int64(unix.Getpagesize()))))
	if err != nil {
		return cli.Sys("map descriptor 3", "mmap", err)
	}
	defer Unmap(m)
	cli.Fact("child reads through descriptor 3", cstring(m[:msgLen]))
	// Descriptor 3 was handed over; any other memfd came through exec
	// because it was not close-on-exec.
	cli.Fact("memfd descriptors in the new program", openOn("/memfd:"+memfdReexec+" (deleted)"))
	copy(m[offReexecReply:], msgReexecChild)

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
