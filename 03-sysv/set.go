//go:build linux && (amd64 || arm64)

// set: shmctl(IPC_SET) (notes 001 §1.1.2.5). The buffer carries the owner
// (uid, gid) and the mode; the kernel takes those and the 9 permission bits
// only, and only from the owner, the creator or root (EPERM otherwise),
// whatever the mode says. To change one of them, read the others first.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// ipcPerm is what IPC_SET writes: the owner and the mode.
type ipcPerm struct{ uid, gid, mode uint32 }

func setCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Shmid: true})
	// A string, not f.Mode: bits above 0777 are allowed here, to show that
	// the kernel ignores them.
	mode := f.String("mode", "MODE", "", "the mode to pass, octal (0640); IPC_SET takes its 9 permission bits, and ignores SHM_DEST (01000) and SHM_LOCKED (02000) if given")
	uid := f.Int("uid", 0, 0, 1<<32-1, "the new owner (shm_perm.uid)")
	gid := f.Int("gid", 0, 0, 1<<32-1, "the new owner's group (shm_perm.gid)")
	return func([]string) error {
		if !f.Given("mode") && !f.Given("uid") && !f.Given("gid") {
			return cli.Usagef("set: give -mode, -uid or -gid (what IPC_SET changes)")
		}
		var ch change
		if f.Given("mode") {
			v, err := strconv.ParseUint(strings.TrimPrefix(*mode, "0o"), 8, 32)
			if err != nil || v > 0o7777 {
				return cli.Usagef("mode %q: want octal bits such as 0640 (at most 07777)", *mode)
			}
			ch.mode = ptr(uint32(v))
		}
		if f.Given("uid") {
			ch.uid = ptr(uint32(*uid))
		}
		if f.Given("gid") {
			ch.gid = ptr(uint32(*gid))
		}
		id, err := open(k)
		if err != nil {
			return err
		}
		return set(id, ch)
	}
}

// change is what the command line asks IPC_SET to change (nil: keep).
type change struct{ uid, gid, mode *uint32 }

func ptr(v uint32) *uint32 { return &v }

// set changes the owner or mode of segment id and prints what the kernel
// keeps.
func set(id int, ch change) error {
	// The owner and mode there now: what the buffer passes on unchanged.
	cli.Fact("shmid", id)
	p, err := current(id)
	if err != nil {
		return err
	}
	if ch.uid != nil {
		p.uid = *ch.uid
	}
	if ch.gid != nil {
		p.gid = *ch.gid
	}
	if ch.mode != nil {
		p.mode = *ch.mode
	}

	// IPC_SET: its own refusal (EPERM, EINVAL) is the answer.
	if err := Set(id, p.uid, p.gid, p.mode); err != nil {
		return cli.WithHints(cli.Sys(fmt.Sprintf("set the owner and mode of shmid %d", id), "shmctl IPC_SET", err), setHints)
	}

	// Read it back. IPC_STAT needs read permission, and the owner's bits
	// bind the owner: after 0000 it can no longer read what it set.
	ds, err := Stat(id)
	if err != nil {
		cli.Fact("stat after IPC_SET", cli.Outcome(err))
		return nil
	}
	showOwner(ds)
	return nil
}

// setHints says what to do about the errnos of IPC_SET.
var setHints = map[syscall.Errno]string{
	unix.EPERM:  "only the owner, the creator or root may IPC_SET (sysv stat shows uid and cuid)",
	unix.EINVAL: "no segment has this id, or the uid or gid means nothing here (a user namespace that does not map it)",
}

// showOwner prints the mode, the kernel's flags and the owner of a segment.
func showOwner(ds *unix.SysvShmDesc) {
	cli.Fact("mode", modeOf(ds))
	cli.Fact("dest", cli.YesNo(ds.Perm.Mode&shmDest != 0))
	cli.Fact("locked", cli.YesNo(ds.Perm.Mode&shmLocked != 0))
	cli.Fact("uid", ds.Perm.Uid)
	cli.Fact("gid", ds.Perm.Gid)
	cli.Fact("cuid", ds.Perm.Cuid)
	cli.Fact("cgid", ds.Perm.Cgid)
}

// current gives the owner and mode of segment id from IPC_STAT, or, when
// that is refused for want of read permission (an owner may lack it too),
// from /proc/sysvipc/shm, which lists every segment to anyone: then
// IPC_SET itself says whether this user may set.
func current(id int) (ipcPerm, error) {
	ds, err := Stat(id)
	if err == nil {
		return ipcPerm{ds.Perm.Uid, ds.Perm.Gid, ds.Perm.Mode}, nil
	}
	if !errors.Is(err, unix.EACCES) {
		return ipcPerm{}, idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("stat before IPC_SET", cli.Outcome(err))
	p, perr := procPerm(id)
	if perr != nil {
		return ipcPerm{}, fmt.Errorf("set shmid %d: IPC_STAT refused (EACCES) and %v", id, perr)
	}
	return p, nil
}

// procPerm reads the uid, gid and mode of segment id from its line of
// /proc/sysvipc/shm (columns key shmid perms size cpid lpid nattch uid gid).
func procPerm(id int) (ipcPerm, error) {
	f, err := os.Open("/proc/sysvipc/shm")
	if err != nil {
		return ipcPerm{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 9 || fs[1] != strconv.Itoa(id) {
			continue
		}
		mode, err1 := strconv.ParseUint(fs[2], 8, 32)
		uid, err2 := strconv.ParseUint(fs[7], 10, 32)
		gid, err3 := strconv.ParseUint(fs[8], 10, 32)
		if err := errors.Join(err1, err2, err3); err != nil {
			return ipcPerm{}, fmt.Errorf("/proc/sysvipc/shm: %v", err)
		}
		return ipcPerm{uint32(uid), uint32(gid), uint32(mode)}, nil
	}
	return ipcPerm{}, fmt.Errorf("/proc/sysvipc/shm has no shmid %d", id)
}
