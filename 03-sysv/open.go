//go:build linux && (amd64 || arm64)

// How an experiment finds the segment its flags name (-key K, -path FILE
// [-id N], -shmid ID), and how it reports a failed ftok or shmget: what was
// tried, with which key, and what to do about it.

package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// ftok is the lesson's Ftok with the file named in its error line; it is
// what turns -path FILE [-id N] into a key.
func ftok(path string, id int) (int, error) {
	key, err := Ftok(path, id)
	return key, cli.Sys("ftok "+cli.Quote(path), "stat", err)
}

// open gives the id of the existing segment the flags name: the -shmid as
// is, or shmget(key, 0, 0), which finds a segment and never makes one (no
// IPC_CREAT; size 0 fits any segment).
func open(k *cli.Key) (int, error) {
	if id, ok, err := k.Shmid(); ok {
		return id, err
	}
	key, err := k.Resolve(ftok, "")
	if err != nil {
		return 0, err
	}
	if key == unix.IPC_PRIVATE {
		// shmget(IPC_PRIVATE, ...) would make a new segment, not find one.
		return 0, cli.Usagef("key 0x00000000 is IPC_PRIVATE and names no segment: use -shmid ID")
	}
	id, err := Get(key, 0, 0)
	return id, getErr(err, key, 0)
}

// getErr reports a failed shmget(key, size, flag): what it tried, and what
// the reader can do about its errno.
func getErr(err error, key, flag int) error {
	what := "open key " + cli.HexKey(key)
	switch {
	case key == unix.IPC_PRIVATE:
		what = "create an IPC_PRIVATE segment"
	case flag&unix.IPC_CREAT != 0:
		what = "create key " + cli.HexKey(key)
	}
	if flag&shmHugetlb != 0 {
		what += " with SHM_HUGETLB"
	}
	return cli.WithHints(cli.Sys(what, "shmget", err), shmgetHints(cli.HexKey(key), flag))
}

// shmgetHints says what to do about each errno of shmget(key, ..., flag).
func shmgetHints(k string, flag int) map[syscall.Errno]string {
	h := map[syscall.Errno]string{
		unix.ENOENT: "no segment has this key (create it: sysv create -key " + k + " -size N)",
		unix.EEXIST: "a segment with this key exists (drop -excl, or remove it: ipcrm -M " + k + ")",
		unix.EACCES: fmt.Sprintf("the segment's mode does not grant the access the mode bits %04o ask for (see sysv stat, ipcs -m; -mode 0 asks for none)", flag&0o777),
		unix.EINVAL: "size 0 or over SHMMAX for a new segment, or larger than the existing one (sysv stat shows its size)",
		unix.ENOSPC: "SHMMNI segments or SHMALL pages in use (sysv limits)",
		unix.ENOMEM: "not enough memory to account for a segment this size",
	}
	if flag&shmHugetlb != 0 {
		h[unix.ENOMEM] = "SHM_HUGETLB asks for huge pages, and not enough are free (vm.nr_hugepages is " + sysctl("vm/nr_hugepages") + "; HugePages_Free in /proc/meminfo)"
		h[unix.EPERM] = "SHM_HUGETLB needs CAP_IPC_LOCK or the group in vm.hugetlb_shm_group (" + sysctl("vm/hugetlb_shm_group") + ")"
	}
	return h
}

// sysctl reads /proc/sys/NAME for a hint ("?" if it cannot).
func sysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}
