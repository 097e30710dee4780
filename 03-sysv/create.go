//go:build linux && (amd64 || arm64)

// create: shmget with the flags of notes 001 §1.1.2.2. IPC_CREAT makes the
// segment or finds the existing one, IPC_EXCL refuses a taken key,
// IPC_PRIVATE always makes a new one, and the low 9 bits are its mode, or,
// for a segment that exists, the access asked for. The bit the notes call
// IPC_NOWAIT (04000) is SHM_HUGETLB to shmget.

package main

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

// shmHugetlb is SHM_HUGETLB of <linux/shm.h>: 04000, the value IPC_NOWAIT
// has for the calls that wait (msgsnd, semop). x/sys does not name it.
const shmHugetlb = 0o4000

type createOpts struct {
	size                   uint64 // size_t: up to 2^64-1, for the kernel to judge
	mode                   uint32
	excl, nocreat, hugetlb bool
}

func createCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{Private: true})
	// shmget's size is a size_t: sizes above 2^63 (f.Int's int64 stops
	// there) are still sizes, and the kernel's EINVAL for them is the
	// lesson, so this one number flag is read by parseSize.
	size := f.String("size", "N", "", "the size in bytes of a new segment, a size_t (K, M, G suffixes); not needed with -nocreat")
	mode := f.Mode("mode", 0o600, "the low 9 bits of shmflg: a new segment's mode; for an existing one, the access asked for (EACCES if its mode refuses it)")
	excl := f.Bool("excl", "IPC_EXCL: fail if the key is taken")
	nocreat := f.Bool("nocreat", "leave out IPC_CREAT: only find an existing segment")
	hugetlb := f.Bool("hugetlb", "SHM_HUGETLB (04000, the bit the notes call IPC_NOWAIT): a new segment of huge pages")
	return func([]string) error {
		o := createOpts{mode: *mode, excl: *excl, nocreat: *nocreat, hugetlb: *hugetlb}
		if *size == "" && !o.nocreat {
			return cli.Usagef("create: -size N is required (a new segment needs a size)")
		}
		if *size != "" {
			var err error
			if o.size, err = parseSize(*size); err != nil {
				return err
			}
		}
		key, err := k.Resolve(ftok, "")
		if err != nil {
			return err
		}
		id, err := create(key, o)
		if err != nil {
			return err
		}
		// The creator's pid is ours only if this shmget made the segment.
		if ds, err := Stat(id); err == nil {
			cli.Fact("created", cli.YesNo(int(ds.Cpid) == os.Getpid()))
		}
		return nil
	}
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
// What it makes is the user's: it is not removed at the end.
func create(key int, o createOpts) (int, error) {
	// The flag: the mode bits, and the flags asked for.
	flag := int(o.mode)
	if !o.nocreat {
		flag |= unix.IPC_CREAT
	}
	if o.excl {
		flag |= unix.IPC_EXCL
	}
	if o.hugetlb {
		flag |= shmHugetlb
	}
	id, err := Get(key, int(o.size), flag)
	if err != nil {
		return -1, getErr(err, key, flag)
	}
	trackSegment(id, key, flag)
	cli.Fact("shmid", id)

	// What the kernel keeps: for a segment that existed, its own size and
	// mode, not the ones asked for. A mode that denies its owner read (0000,
	// 0200) makes IPC_STAT fail: the segment is made all the same.
	ds, err := Stat(id)
	if err != nil {
		cli.Fact("stat after shmget", cli.Outcome(err))
		return id, nil
	}
	cli.Fact("key", cli.HexKey(int(ds.Perm.Key)))
	cli.Fact("size", ds.Segsz)
	cli.Fact("mode", modeOf(ds))
	return id, nil
}

// trackSegment records a segment this shmget may have made, so that a
// scenario's cleanup removes it (outside tests it does nothing).
func trackSegment(id, key, flag int) {
	if flag&unix.IPC_CREAT != 0 || key == unix.IPC_PRIVATE {
		track.Shm(id, key)
	}
}

func tourCreate() error {
	key, done, err := tourKey('c')
	if err != nil {
		return err
	}
	defer done()

	// IPC_CREAT|IPC_EXCL on a free key: a new segment.
	cli.Say("shmget with IPC_CREAT|IPC_EXCL and mode 0640 makes a new segment of 100 bytes:")
	id, remove, err := ownSegment(key, 100, unix.IPC_CREAT|unix.IPC_EXCL|0o640)
	if err != nil {
		return err
	}
	defer remove()
	if err := showSegment(id); err != nil {
		return err
	}

	// IPC_CREAT alone on the same key: the same segment.
	cli.Say("IPC_CREAT alone finds it; its size and mode stay, and the mode bits passed")
	cli.Say("(0600) now ask for access, checked against its mode:")
	again, err := Get(key, 10, unix.IPC_CREAT|0o600)
	if err != nil {
		return getErr(err, key, unix.IPC_CREAT)
	}
	if err := showSegment(again); err != nil {
		return err
	}
	cli.Fact("same shmid as before", cli.YesNo(again == id))
	tourExcl(key, id)
	return tourPrivate()
}

// showSegment prints the key, size and mode the kernel keeps for id.
func showSegment(id int) error {
	ds, err := Stat(id)
	if err != nil {
		return idErr("stat", id, "shmctl IPC_STAT", err)
	}
	cli.Fact("shmid", id)
	cli.Fact("key", cli.HexKey(int(ds.Perm.Key)))
	cli.Fact("size", ds.Segsz)
	cli.Fact("mode", modeOf(ds))
	return nil
}

// tourExcl shows IPC_EXCL with and without IPC_CREAT on the taken key, and
// on the free key after it.
func tourExcl(key, id int) {
	cli.Say("IPC_CREAT|IPC_EXCL refuses a taken key; asking for more than its size fails:")
	_, err := Get(key, 100, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	cli.Fact("IPC_CREAT|IPC_EXCL on a taken key", cli.Outcome(err))
	_, err = Get(key, 4096, unix.IPC_CREAT|0o600)
	cli.Fact("IPC_CREAT with a larger size", cli.Outcome(err))

	cli.Say("IPC_EXCL without IPC_CREAT has no effect, as the notes say:")
	other, err := Get(key, 0, unix.IPC_EXCL)
	cli.Fact("IPC_EXCL alone on a taken key", cli.Outcome(err))
	cli.Fact("same shmid", cli.YesNo(err == nil && other == id))
	_, err = Get(key+1, 0, unix.IPC_EXCL)
	cli.Fact("IPC_EXCL alone on a free key", cli.Outcome(err))
}

// tourPrivate shows that IPC_PRIVATE makes a new segment on every call.
func tourPrivate() error {
	cli.Say("IPC_PRIVATE (key 0) always makes a new segment, even called twice:")
	a, removeA, err := ownSegment(unix.IPC_PRIVATE, 100, 0o600)
	if err != nil {
		return err
	}
	defer removeA()
	b, removeB, err := ownSegment(unix.IPC_PRIVATE, 100, 0o600)
	if err != nil {
		return err
	}
	defer removeB()
	cli.Fact("two IPC_PRIVATE segments differ", cli.YesNo(a != b))
	_, err = Get(unix.IPC_PRIVATE, 0, 0o600)
	cli.Fact("size 0", cli.Outcome(err))
	return nil
}
