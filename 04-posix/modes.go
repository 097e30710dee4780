//go:build linux && (amd64 || arm64)

// The modes experiment: the notes' permission-bit table (001 §1.1.3.1,
// UNP2 §2.4), tried for real by another user, and the bound the access
// mode of a descriptor puts on mmap.

package main

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
	"shmlab/internal/track"
	"shmlab/internal/unpriv"
)

func init() { fault.Register("modes-other", probeModesOther) }

func modesCmd(f *cli.Flags) cli.Action {
	f.Args(1, 1) // NAME: the prefix of the objects made
	return func(args []string) error { return modes(args[0], unpriv.IsRoot()) }
}

func tourModes() error {
	cli.Say("The mode is a file's permission bits (the notes' table), minus the umask.")
	cli.Say("Another process opens each object: uid 65534 under root (root bypasses the")
	cli.Say("bits), else you. A descriptor's access mode bounds mmap; PROT_EXEC asks for")
	cli.Say("no x bit, and a /dev/shm mounted noexec refuses it.")
	return modes(tourName("m"), false)
}

// A modeObject is one object of the experiment.
type modeObject struct {
	suffix string
	mode   uint32
	chgrp  bool // give the group to the other side
	chown  bool // give the object to the other side
}

// modes makes objects named from name with several modes, lets the other
// side open them, and removes them. mine adds the objects only root can
// make: one of the other side's group, one it owns.
func modes(name string, mine bool) error {
	if err := checkPrefix("modes", name, 240); err != nil {
		return err
	}
	base := "/" + strings.TrimLeft(name, "/")
	old := unix.Umask(0o022)
	defer unix.Umask(old)
	var removes []func()
	defer func() {
		for _, remove := range removes {
			remove()
		}
	}()

	// The umask takes bits away from the mode asked for.
	st, err := makeModeObject(base+"-0666", modeObject{mode: 0o666}, &removes)
	if err != nil {
		return err
	}
	cli.Fact("asked 0666 under umask 0022", modeString(st.Mode))

	// The objects the other side tries, each of one page.
	objs := []modeObject{{"-0600", 0o600, false, false}, {"-0640", 0o640, false, false},
		{"-0644", 0o644, false, false}, {"-0400", 0o400, false, false}}
	if mine {
		objs = append(objs, modeObject{"-0640g", 0o640, true, false}, modeObject{"-0400o", 0o400, false, true})
	}
	stats := map[string]unix.Stat_t{}
	var tried []string
	for _, o := range objs {
		st, err := makeModeObject(base+o.suffix, o, &removes)
		if err != nil {
			return err
		}
		tried = append(tried, base+o.suffix)
		stats[base+o.suffix] = st
	}
	if err := otherSide(tried, stats); err != nil {
		return err
	}
	if err := mmapModes(base + "-0644"); err != nil {
		return err
	}
	return execModes(base, &removes)
}

// makeModeObject makes the object n with o's mode (and owner), one page,
// and returns its fstat. removes collects the removals (shm_unlink), each
// registered for an interrupt too.
func makeModeObject(n string, o modeObject, removes *[]func()) (unix.Stat_t, error) {
	fd, err := ShmOpen(n, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, o.mode)
	if err != nil {
		return unix.Stat_t{}, shmErr("shm_open "+cli.Quote(n), "shm_open", err)
	}
	defer unix.Close(fd)
	track.File(shmFile(n))
	undo := made(shmFile(n))
	*removes = append(*removes, func() {
		ShmUnlink(n)
		undo()
	})
	if o.chgrp {
		err = cli.Sys("chgrp "+n, "fchown", unix.Fchown(fd, -1, unpriv.GID))
	}
	if err == nil && o.chown {
		err = cli.Sys("chown "+n, "fchown", unix.Fchown(fd, unpriv.UID, unpriv.GID))
	}
	if err == nil {
		err = shmErr("set the size of "+n, "ftruncate", Resize(fd, 4096))
	}
	if err != nil {
		return unix.Stat_t{}, err
	}
	st, err := Stat(fd)
	return st, shmErr("stat "+n, "fstat", err)
}

// otherSide runs the other side in a child process (uid/gid 65534 when
// root, this user otherwise) and prints what each object gave it, with the
// class of the permission table it fell in.
func otherSide(tried []string, stats map[string]unix.Stat_t) error {
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
		st, r := stats[n], results[n]
		class := "others get"
		switch {
		case st.Uid == uid:
			class = "the owner gets"
		case st.Gid == gid:
			class = "the group gets"
		}
		cli.Fact(modeString(st.Mode)+" object", fmt.Sprintf("%s O_RDONLY %s, O_RDWR %s", class, r[0], r[1]))
	}
	cli.Fact("the other side's shm_unlink of the 0600 object", unlinkRes)
	return nil
}

// probeModesOther NAME... runs as the other side: try O_RDONLY and O_RDWR
// on each object and print "open NAME O_RDONLY-result O_RDWR-result"; then
// try to shm_unlink the first one. The first line says who we are.
func probeModesOther(args []string) error {
	if len(args) == 0 || len(args) > 16 {
		return fmt.Errorf("modes-other: want 1 to 16 object names, got %d", len(args))
	}
	fmt.Printf("id %d %d\n", os.Geteuid(), os.Getegid())
	for _, name := range args {
		var res [2]string
		for i, flags := range []int{unix.O_RDONLY, unix.O_RDWR} {
			fd, err := ShmOpen(name, flags, 0)
			res[i] = cli.Outcome(err)
			if err == nil {
				unix.Close(fd)
			}
		}
		fmt.Printf("open %s %s %s\n", name, res[0], res[1])
	}
	fmt.Printf("unlink %s\n", cli.Outcome(ShmUnlink(args[0])))
	return nil
}

// mmapModes shows the access mode of a descriptor bounding the protection
// of a shared mapping; a private one is a copy, so PROT_WRITE is allowed.
func mmapModes(name string) error {
	fd, err := ShmOpen(name, unix.O_RDONLY, 0)
	if err != nil {
		return shmErr("shm_open "+cli.Quote(name), "shm_open", err)
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
		cli.Fact(p.label, cli.Outcome(err))
	}
	return nil
}

// execModes tries the execute bits of the notes' table: mmap with
// PROT_EXEC of a 0644 object (no x bit) and of a 0755 one. mmap asks for no
// x bit, only a descriptor open for reading; what refuses PROT_EXEC (EPERM),
// whatever the bits, is a file system mounted noexec, as /dev/shm often is.
func execModes(base string, removes *[]func()) error {
	if _, err := makeModeObject(base+"-0755", modeObject{mode: 0o755}, removes); err != nil {
		return err
	}
	for i, n := range []string{base + "-0644", base + "-0755"} {
		fd, err := ShmOpen(n, unix.O_RDONLY, 0)
		if err != nil {
			return shmErr("shm_open "+cli.Quote(n), "shm_open", err)
		}
		if i == 0 {
			var fs unix.Statfs_t
			if err := unix.Fstatfs(fd, &fs); err != nil {
				unix.Close(fd)
				return cli.Sys("stat the file system of "+cli.Quote(n), "fstatfs", err)
			}
			cli.Fact("/dev/shm mounted noexec", cli.YesNo(fs.Flags&unix.ST_NOEXEC != 0))
		}
		m, err := Map(fd, 0, 4096, unix.PROT_READ|unix.PROT_EXEC)
		unix.Close(fd)
		res := cli.Outcome(err)
		if err == nil {
			// What the kernel made of it: the permissions in /proc/self/maps.
			res += ", " + mapPerms(m)
			Unmap(m)
		}
		cli.Fact(n[len(base)+1:]+" object, mmap PROT_READ|PROT_EXEC", res)
	}
	return nil
}

// mapPerms is the permissions /proc/self/maps shows for the mapping m
// ("r-xs"), or "?" if it cannot be read.
func mapPerms(m []byte) string {
	ms, err := procfs.Maps("self")
	if err != nil {
		return "?"
	}
	mp, ok := procfs.Find(ms, uintptr(unsafe.Pointer(unsafe.SliceData(m))))
	if !ok {
		return "?"
	}
	return mp.Perms
}
