//go:build linux && (amd64 || arm64)

// The experiments on one segment: create (shmget), the write and read
// tools (shmat, copy, shmdt), stat and set (shmctl IPC_STAT, IPC_SET) and rm
// (IPC_RMID).

package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

// shmDest and shmLocked are the flags the kernel keeps in shm_perm.mode above
// the 9 permission bits (<linux/shm.h>).
const (
	shmDest   = 0o1000
	shmLocked = 0o2000
)

func hexKey(key int) string { return fmt.Sprintf("0x%08x", uint32(key)) }

type createOpts struct {
	size                  uint64 // size_t: up to 2^64-1, for the kernel to judge
	mode                  uint32
	excl, nocreat, nowait bool
}

func runCreate(args []string) error {
	fs := cli.NewFlags("create")
	t := addTarget(fs, true)
	size := fs.String("size", "", "size in bytes (K, M, G suffixes)")
	mode := fs.String("mode", "0600", "permission bits of a new segment")
	var o createOpts
	fs.BoolVar(&o.excl, "excl", false, "IPC_EXCL: fail if the key is taken")
	fs.BoolVar(&o.nocreat, "nocreat", false, "leave out IPC_CREAT: only find an existing segment")
	fs.BoolVar(&o.nowait, "nowait", false, "IPC_NOWAIT (the notes list it for shmget)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("create", pos, 0, 0); err != nil {
		return err
	}
	if *size == "" && !o.nocreat {
		return cli.Usagef("create: -size N is required (a new segment needs a size)")
	}
	if *size != "" {
		if o.size, err = parseSize(*size); err != nil {
			return err
		}
	}
	if o.mode, err = cli.ParseMode(*mode); err != nil {
		return err
	}
	key, err := t.resolve()
	if err != nil {
		return err
	}
	id, err := create(key, o)
	if err != nil {
		return err
	}
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	// The creator's pid is ours only if this shmget made the segment.
	cli.Fact("created", cli.YesNo(int(ds.Cpid) == os.Getpid()))
	return nil
}

// parseSize reads shmget's size_t. Size 0 and sizes over SHMMAX are left to
// the kernel (EINVAL); a negative one is no size at all.
func parseSize(s string) (uint64, error) {
	v, err := cli.ParseInt("size", s)
	if err == nil {
		if v < 0 {
			return 0, cli.Usagef("size %s: must not be negative", s)
		}
		return uint64(v), nil
	}
	if u, uerr := strconv.ParseUint(s, 0, 64); uerr == nil {
		return u, nil // above 2^63: still a size_t
	}
	return 0, err
}

// create makes (or finds) a segment and prints what the kernel says of it.
func create(key int, o createOpts) (int, error) {
	flag := int(o.mode)
	if !o.nocreat {
		flag |= unix.IPC_CREAT
	}
	if o.excl {
		flag |= unix.IPC_EXCL
	}
	if o.nowait {
		flag |= unix.IPC_NOWAIT
	}
	id, err := Get(key, int(o.size), flag)
	if err != nil {
		return -1, withHint(err, key)
	}
	if flag&unix.IPC_CREAT != 0 {
		track.Shm(id, key) // the scenario's cleanup removes it, even on failure
	}
	ds, err := Stat(id)
	if err != nil {
		return id, err
	}
	cli.Fact("shmid", id)
	cli.Fact("key", hexKey(int(ds.Perm.Key)))
	cli.Fact("size", ds.Segsz)
	cli.Fact("mode", fmt.Sprintf("%04o", ds.Perm.Mode&0o777))
	return id, nil
}

func tourCreate() error {
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	path := dir + "/key"
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		return err
	}
	key, err := Ftok(path, 'c')
	if err != nil {
		return err
	}
	cli.Say("shmget with IPC_CREAT|IPC_EXCL and mode 0640 makes a new segment of 100 bytes:")
	id, err := create(key, createOpts{size: 100, mode: 0o640, excl: true})
	if err != nil {
		return err
	}
	defer Remove(id)
	cli.Say("IPC_CREAT alone finds the same segment; the mode and size given are ignored:")
	again, err := create(key, createOpts{size: 10, mode: 0o666})
	if err != nil {
		return err
	}
	cli.Fact("same shmid as before", cli.YesNo(again == id))
	cli.Say("IPC_CREAT|IPC_EXCL refuses a taken key; asking for more than its size fails:")
	_, err = Get(key, 100, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	cli.Fact("IPC_CREAT|IPC_EXCL on a taken key", cli.Outcome(err))
	_, err = Get(key, 4096, unix.IPC_CREAT|0o600)
	cli.Fact("IPC_CREAT with a larger size", cli.Outcome(err))
	cli.Say("IPC_EXCL without IPC_CREAT is ignored, as the notes say (no effect on its own):")
	other, err := Get(key, 0, unix.IPC_EXCL)
	cli.Fact("IPC_EXCL alone on a taken key", cli.Outcome(err))
	cli.Fact("same shmid", cli.YesNo(err == nil && other == id))
	_, err = Get(key+1, 0, unix.IPC_EXCL)
	cli.Fact("IPC_EXCL alone on a free key", cli.Outcome(err))
	cli.Say("IPC_PRIVATE (key 0) always makes a new segment, even called twice:")
	a, err := Get(unix.IPC_PRIVATE, 100, 0o600)
	if err != nil {
		return err
	}
	defer Remove(a)
	b, err := Get(unix.IPC_PRIVATE, 100, 0o600)
	if err != nil {
		return err
	}
	defer Remove(b)
	cli.Fact("two IPC_PRIVATE segments differ", cli.YesNo(a != b))
	_, err = Get(unix.IPC_PRIVATE, 0, 0o600)
	cli.Fact("size 0", cli.Outcome(err))
	return nil
}

// tempDir makes a directory for the tour's files and returns its remover.
func tempDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "sysv-tour-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func runWrite(args []string) error {
	fs := cli.NewFlags("write")
	t := addTarget(fs, false)
	offset := fs.String("offset", "0", "where to write")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("write", pos, 1, 1); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", *offset, 0, 1<<62)
	if err != nil {
		return err
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	m, err := Attach(id, false)
	if err != nil {
		return err
	}
	if off+int64(len(pos[0])) > int64(len(m)) {
		Detach(m)
		return fmt.Errorf("write %d bytes at offset %d: past the end of the segment (size %d)", len(pos[0]), off, len(m))
	}
	copy(m[off:], pos[0])
	cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(pos[0]), off))
	return Detach(m)
}

func runRead(args []string) error {
	fs := cli.NewFlags("read")
	t := addTarget(fs, false)
	offset := fs.String("offset", "0", "where to read")
	length := fs.String("length", "", "how many bytes (default: up to the first NUL)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("read", pos, 0, 0); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", *offset, 0, 1<<62)
	if err != nil {
		return err
	}
	n := int64(-1)
	if *length != "" {
		if n, err = cli.ParseCount("length", *length, 1, 1<<62); err != nil {
			return err
		}
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	m, err := Attach(id, true) // SHM_RDONLY: reading needs only read permission
	if err != nil {
		return err
	}
	if off > int64(len(m)) || n > 0 && off+n > int64(len(m)) {
		Detach(m)
		return fmt.Errorf("read at offset %d: past the end of the segment (size %d)", off, len(m))
	}
	b := m[off:]
	if n > 0 {
		b = b[:n]
	} else if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	os.Stdout.Write(append(bytes.Clone(b), '\n'))
	return Detach(m)
}

func runStat(args []string) error {
	fs := cli.NewFlags("stat")
	t := addTarget(fs, false)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("stat", pos, 0, 0); err != nil {
		return err
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	return stat(id)
}

func stamp(t int64) string {
	if t == 0 {
		return "never"
	}
	return time.Unix(t, 0).UTC().Format(time.RFC3339)
}

// stat prints the shmid_ds of a segment, one fact per field.
func stat(id int) error {
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	cli.Fact("key", hexKey(int(ds.Perm.Key)))
	cli.Fact("shmid", id)
	cli.Fact("size", ds.Segsz)
	cli.Fact("mode", fmt.Sprintf("%04o", ds.Perm.Mode&0o777))
	cli.Fact("dest", cli.YesNo(ds.Perm.Mode&shmDest != 0))
	cli.Fact("locked", cli.YesNo(ds.Perm.Mode&shmLocked != 0))
	cli.Fact("uid", ds.Perm.Uid)
	cli.Fact("gid", ds.Perm.Gid)
	cli.Fact("cuid", ds.Perm.Cuid)
	cli.Fact("cgid", ds.Perm.Cgid)
	cli.Fact("cpid", ds.Cpid)
	cli.Fact("lpid", ds.Lpid)
	cli.Fact("nattch", ds.Nattch)
	cli.Fact("atime", stamp(ds.Atime))
	cli.Fact("dtime", stamp(ds.Dtime))
	cli.Fact("ctime", stamp(ds.Ctime))
	return nil
}

func tourStat() error {
	id, err := Get(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	defer Remove(id)
	track.Shm(id, unix.IPC_PRIVATE)
	cli.Say("IPC_STAT copies out the kernel's shmid_ds: ipc_perm (key, owner, creator,")
	cli.Say("mode), the size, the creator's pid and the last shmat/shmdt's, and nattch.")
	cli.Say("A new IPC_PRIVATE segment, never attached:")
	if err := stat(id); err != nil {
		return err
	}
	cli.Say("IPC_SET changes the mode (and owner); ipcs -m shows the new perms:")
	if err := SetMode(id, 0o640); err != nil {
		return err
	}
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	cli.Fact("mode after IPC_SET", fmt.Sprintf("%04o", ds.Perm.Mode&0o777))
	return nil
}

func runSet(args []string) error {
	fs := cli.NewFlags("set")
	t := addTarget(fs, false)
	mode := fs.String("mode", "", "the new permission bits, e.g. 0640")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("set", pos, 0, 0); err != nil {
		return err
	}
	if *mode == "" {
		return cli.Usagef("set: -mode is required")
	}
	m, err := cli.ParseMode(*mode)
	if err != nil {
		return err
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	if err := SetMode(id, m); err != nil {
		return err
	}
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	cli.Fact("shmid", id)
	cli.Fact("mode", fmt.Sprintf("%04o", ds.Perm.Mode&0o777))
	return nil
}

func runRm(args []string) error {
	fs := cli.NewFlags("rm")
	t := addTarget(fs, false)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("rm", pos, 0, 0); err != nil {
		return err
	}
	id, err := t.open()
	if err != nil {
		return err
	}
	return rm(id)
}

// rm removes a segment and shows what is left of it.
func rm(id int) error {
	ds, err := Stat(id)
	if err != nil {
		return err
	}
	key := int(ds.Perm.Key)
	cli.Fact("shmid", id)
	cli.Fact("key", hexKey(key))
	cli.Fact("nattch", ds.Nattch)
	if err := Remove(id); err != nil {
		return err
	}
	cli.Fact("removed", "yes")
	after, err := Stat(id)
	cli.Fact("stat by shmid after IPC_RMID", cli.Outcome(err))
	if err == nil {
		// Still attached somewhere: the segment lives on, nameless.
		cli.Fact("key after IPC_RMID", hexKey(int(after.Perm.Key)))
		cli.Fact("dest", cli.YesNo(after.Perm.Mode&shmDest != 0))
		cli.Fact("nattch after IPC_RMID", after.Nattch)
	}
	if key != unix.IPC_PRIVATE {
		_, err = Get(key, 0, 0)
		cli.Fact("shmget by the old key", cli.Outcome(err))
	}
	return nil
}

func tourRm() error {
	dir, done, err := tempDir()
	if err != nil {
		return err
	}
	defer done()
	if err := os.WriteFile(dir+"/key", nil, 0o600); err != nil {
		return err
	}
	key, err := Ftok(dir+"/key", 'r')
	if err != nil {
		return err
	}
	id, err := Get(key, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		return withHint(err, key)
	}
	track.Shm(id, key)
	defer Remove(id)
	m, err := Attach(id, false)
	if err != nil {
		return err
	}
	copy(m, "still here")
	cli.Say("IPC_RMID while this process has the segment attached: the kernel marks it")
	cli.Say("(dest), sets its key to 0 so no shmget finds it, and keeps the memory:")
	if err := rm(id); err != nil {
		Detach(m)
		return err
	}
	cli.Fact("read after IPC_RMID", string(m[:10]))
	copy(m, "written")
	cli.Fact("write after IPC_RMID", "ok")
	cli.Say("The last shmdt frees it; the id is then invalid:")
	if err := Detach(m); err != nil {
		return err
	}
	_, err = Stat(id)
	cli.Fact("stat by shmid after the last shmdt", cli.Outcome(err))
	cli.Say("A new segment gets a new id, even from the same slot (UNP2 3.6: the")
	cli.Say("sequence number in the id grows), so a stale id never finds it:")
	id2, err := Get(unix.IPC_PRIVATE, 4096, 0o600)
	if err != nil {
		return err
	}
	track.Shm(id2, unix.IPC_PRIVATE)
	defer Remove(id2)
	cli.Fact("new shmid differs from the old", cli.YesNo(id2 != id))
	return nil
}

func runLimits(args []string) error {
	if err := cli.Want("limits", args, 0, 0); err != nil {
		return err
	}
	return limits()
}

func tourLimits() error {
	cli.Say("The kernel limits System V shared memory (UNP2 3.8). IPC_INFO reports the")
	cli.Say("limits; three of them are the sysctls in /proc/sys/kernel:")
	return limits()
}

func procULong(name string) (uint64, error) {
	b, err := os.ReadFile("/proc/sys/kernel/" + name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
}

func limits() error {
	info, err := Info()
	if err != nil {
		return err
	}
	cli.Fact("SHMMAX", fmt.Sprintf("%d bytes: the largest one segment may be", info.Shmmax))
	cli.Fact("SHMMIN", fmt.Sprintf("%d byte: the smallest (size 0 is EINVAL)", info.Shmmin))
	cli.Fact("SHMMNI", fmt.Sprintf("%d segments: the most in the system (then ENOSPC)", info.Shmmni))
	cli.Fact("SHMSEG", fmt.Sprintf("%d: segments one process may attach (Linux has no limit of its own; this is SHMMNI)", info.Shmseg))
	cli.Fact("SHMALL", fmt.Sprintf("%d pages: all segments together (then ENOSPC)", info.Shmall))
	agree := true
	for name, v := range map[string]uint64{"shmmax": info.Shmmax, "shmmni": info.Shmmni, "shmall": info.Shmall} {
		p, err := procULong(name)
		if err != nil {
			return err
		}
		agree = agree && p == v
	}
	cli.Fact("IPC_INFO agrees with /proc/sys/kernel/shm{max,mni,all}", cli.YesNo(agree))
	return nil
}
