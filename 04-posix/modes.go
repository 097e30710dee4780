//go:build linux && (amd64 || arm64)

// The modes experiment: the notes' permission-bit table (001 §1.1.3.1),
// tried for real by another user.

package main

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/track"
	"shmlab/internal/unpriv"
)

func runModes(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("modes"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("modes", pos, 1, 1); err != nil {
		return err
	}
	return modes(pos[0])
}

func tourModes() error {
	cli.Say("The mode of shm_open is the permission bits of a file (the notes' table:")
	cli.Say("S_IRUSR 0400, S_IWGRP 0020, ...), filtered by the umask. Objects are created")
	cli.Say("with several modes; another user (uid 65534 when run as root, since root")
	cli.Say("bypasses the bits) opens each O_RDONLY and O_RDWR. The descriptor's access")
	cli.Say("mode then bounds what mmap may do.")
	return modes(tourName("m"))
}

// A modeObject is one object of the experiment.
type modeObject struct {
	suffix string
	mode   uint32
	chgrp  bool // root only: give the group to the other side
	chown  bool // root only: give the object to the other side
}

func modes(name string) error {
	base := "/" + strings.TrimLeft(name, "/")
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	cli.Fact("umask", "0022")

	objs := []modeObject{{"-0600", 0o600, false, false}, {"-0640", 0o640, false, false},
		{"-0644", 0o644, false, false}, {"-0400", 0o400, false, false}}
	if unpriv.IsRoot() {
		objs = append(objs, modeObject{"-0640g", 0o640, true, false}, modeObject{"-0400o", 0o400, false, true})
	}
	var names []string
	defer func() {
		for _, n := range names {
			ShmUnlink(n)
		}
	}()
	made := func(n string, mode uint32) (int, error) {
		fd, err := ShmOpen(n, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, mode)
		if err != nil {
			return -1, explain(err)
		}
		names = append(names, n)
		path, _ := ShmPath(n)
		track.File(path)
		return fd, nil
	}

	// The umask takes bits away from the mode asked for.
	fd, err := made(base+"-0666", 0o666)
	if err != nil {
		return err
	}
	st, err := Stat(fd)
	unix.Close(fd)
	if err != nil {
		return err
	}
	cli.Fact("asked 0666 under umask 0022", modeString(st.Mode))

	var tried []string
	stats := map[string]unix.Stat_t{}
	for _, o := range objs {
		fd, err := made(base+o.suffix, o.mode)
		if err != nil {
			return err
		}
		if err == nil && o.chgrp {
			err = cli.Sys("chgrp", "fchown", unix.Fchown(fd, -1, unpriv.GID))
		}
		if err == nil && o.chown {
			err = cli.Sys("chown", "fchown", unix.Fchown(fd, unpriv.UID, unpriv.GID))
		}
		if err == nil {
			err = Resize(fd, 4096)
		}
		var st unix.Stat_t
		if err == nil {
			st, err = Stat(fd)
		}
		unix.Close(fd)
		if err != nil {
			return err
		}
		tried = append(tried, base+o.suffix)
		stats[base+o.suffix] = st
	}

	// The other side, in a child process: as uid/gid 65534 when root.
	res, err := fault.RunUnprivileged("modes-other", tried...)
	if err != nil {
		return err
	}
	if res.Faulted() {
		return fmt.Errorf("modes: the other side was killed by %v", res)
	}
	var uid, gid uint32
	results := map[string][2]string{}
	unlinkRes := ""
	for _, line := range strings.Split(res.Output, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "id":
			fmt.Sscan(f[1], &uid)
			fmt.Sscan(f[2], &gid)
		case len(f) == 4 && f[0] == "open":
			results[f[1]] = [2]string{f[2], f[3]}
		case len(f) == 2 && f[0] == "unlink":
			unlinkRes = f[1]
		}
	}
	cli.Fact("other side", fmt.Sprintf("uid %d gid %d", uid, gid))
	for _, n := range tried {
		st := stats[n]
		class := "others"
		switch {
		case st.Uid == uid:
			class = "the owner"
		case st.Gid == gid:
			class = "the group"
		}
		r := results[n]
		cli.Fact(fmt.Sprintf("%s for %s", modeString(st.Mode), class),
			fmt.Sprintf("O_RDONLY %s, O_RDWR %s", r[0], r[1]))
	}
	cli.Fact("the other side's shm_unlink of a 0600 object", unlinkRes)

	// The access mode of the descriptor bounds the protection of a shared
	// mapping; a private one is a copy, so PROT_WRITE is allowed.
	ro := base + "-0644"
	fd, err = ShmOpen(ro, unix.O_RDONLY, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	for _, p := range []struct {
		label       string
		prot, flags int
	}{
		{"O_RDONLY, mmap PROT_READ MAP_SHARED", unix.PROT_READ, unix.MAP_SHARED},
		{"O_RDONLY, mmap PROT_READ|PROT_WRITE MAP_SHARED", unix.PROT_READ | unix.PROT_WRITE, unix.MAP_SHARED},
		{"O_RDONLY, mmap PROT_READ|PROT_WRITE MAP_PRIVATE", unix.PROT_READ | unix.PROT_WRITE, unix.MAP_PRIVATE},
	} {
		addr, err := unix.MmapPtr(fd, 0, nil, 4096, p.prot, p.flags)
		if err == nil {
			unix.MunmapPtr(unsafe.Pointer(addr), 4096)
		}
		cli.Fact(p.label, errnoOf(err))
	}
	return nil
}
