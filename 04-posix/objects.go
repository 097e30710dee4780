//go:build linux && (amd64 || arm64)

// The experiments on one object: create, write, read, stat, truncate, and the
// hold and mapped tools. Each opens the object by name with the lesson's
// ShmOpen, as an unrelated process would.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
	"shmlab/internal/track"
)

// tourName is a name of the tour's own, unique to this process. The tour
// removes what it creates.
func tourName(tag string) string { return fmt.Sprintf("/shmlab-tour-%d-%s", os.Getpid(), tag) }

// errnoOf gives the errno symbol of err ("EACCES"), "ok" for nil.
func errnoOf(err error) string {
	if err == nil {
		return "ok"
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return cli.ErrnoName(e)
	}
	return err.Error()
}

// modeAndUmask parses the -mode of a new object and, if -umask is given,
// sets this process's umask (which filters the mode, as for any file).
func modeAndUmask(modeArg, umaskArg string) (uint32, error) {
	mode, err := cli.ParseMode(modeArg)
	if err != nil {
		return 0, err
	}
	if umaskArg != "" {
		um, err := cli.ParseMode(umaskArg)
		if err != nil {
			return 0, err
		}
		unix.Umask(int(um))
	}
	return mode, nil
}

// explain adds what to do to the error of a failed open, when the lesson did
// not say already.
func explain(err error) error { return cli.WithHints(err, openHints) }

var openHints = map[syscall.Errno]string{
	unix.ENOENT: "no object has that name (ls /dev/shm lists them; posix create NAME SIZE makes one)",
	unix.EEXIST: "an object has that name (drop -excl, or remove it: posix unlink NAME)",
	unix.EACCES: "its mode bits do not give you this access (posix stat NAME shows them)",
	unix.ELOOP:  "a symlink has that name in /dev/shm, and shm_open adds O_NOFOLLOW: it never follows one",
	unix.ENODEV: "that name is not a shared memory object that can be mapped (a directory?)",
}

// shown is name as error messages show it: "" when it is empty.
func shown(name string) string {
	if name == "" {
		return `""`
	}
	return name
}

// named puts the object's name into the error of a call made on its
// descriptor ("map" becomes "map /demo").
func named(err error, name string) error {
	var se *cli.SysError
	if errors.As(err, &se) {
		se.What += " " + name
	}
	return err
}

func modeString(m uint32) string { return fmt.Sprintf("%04o", m&0o7777) }

// cstr is the text at the start of b, up to a NUL (as a C string ends).
func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func runCreate(args []string) error {
	fs := cli.NewFlags("create")
	excl := fs.Bool("excl", false, "use O_EXCL: fail if the name exists")
	modeArg := fs.String("mode", "0600", "permission bits of a new object")
	umaskArg := fs.String("umask", "", "set the umask first")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("create", pos, 2, 2); err != nil {
		return err
	}
	size, err := cli.ParseCount("size", pos[1], 0, 1<<40)
	if err != nil {
		return err
	}
	mode, err := modeAndUmask(*modeArg, *umaskArg)
	if err != nil {
		return err
	}
	return create(pos[0], size, mode, *excl)
}

func tourCreate() error {
	name := tourName("a")
	defer ShmUnlink(name)
	cli.Say("shm_open with O_CREAT|O_EXCL|O_RDWR and mode 0600 makes a new object of size 0;")
	cli.Say("ftruncate gives it a size. The object is a file: its path is /dev/shm/NAME.")
	if err := create(name, 4096, 0o600, true); err != nil {
		return err
	}
	cli.Say("Again with O_EXCL: the name exists, so shm_open fails. Without O_EXCL,")
	cli.Say("O_CREAT opens the existing object (the notes' \"单独使用O_CREAT\").")
	_, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	cli.Fact("O_CREAT|O_EXCL again", errnoOf(err))
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_RDWR, 0o600)
	cli.Fact("O_CREAT again", errnoOf(err))
	if err == nil {
		unix.Close(fd)
	}
	return nil
}

func create(name string, size int64, mode uint32, excl bool) error {
	flags := unix.O_CREAT | unix.O_RDWR
	if excl {
		flags |= unix.O_EXCL
	}
	fd, err := ShmOpen(name, flags, mode)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	path, err := ShmPath(name)
	if err != nil {
		return err
	}
	track.File(path)
	if err := Resize(fd, size); err != nil {
		if excl {
			ShmUnlink(name) // ours, and not usable: leave nothing behind
		}
		return err
	}
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	um := unix.Umask(0)
	unix.Umask(um)
	cli.Fact("path", path)
	cli.Fact("size", st.Size)
	cli.Fact("umask", modeString(uint32(um)))
	cli.Fact("mode", modeString(st.Mode))
	return nil
}

// mapRange maps the pages of the object that hold [off, off+n) and returns
// the mapping and where off falls in it (mmap wants a page-aligned offset).
func mapRange(name string, fd int, off int64, n int, prot int) ([]byte, int, error) {
	ps := int64(os.Getpagesize())
	start := off / ps * ps
	m, err := Map(fd, start, int(off-start)+n, prot)
	if err != nil {
		return nil, 0, explain(named(err, name))
	}
	return m, int(off - start), nil
}

// pastEnd is the error for a range the object does not hold: a mapping
// there would raise SIGBUS, so it is refused before.
func pastEnd(verb, name string, off, n, size int64) error {
	return fmt.Errorf("%s %s: bytes %d..%d are past the end of the object (size %d): a mapping there would raise SIGBUS (grow it: posix truncate NAME SIZE)",
		verb, name, off, off+n, size)
}

func runWrite(args []string) error {
	fs := cli.NewFlags("write")
	offArg := fs.String("offset", "0", "where to write")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("write", pos, 2, 2); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", *offArg, 0, 1<<40)
	if err != nil {
		return err
	}
	if pos[1] == "" {
		return cli.Usagef("write: empty TEXT")
	}
	return write(pos[0], off, pos[1])
}

func tourWrite() error {
	name := tourName("w")
	defer ShmUnlink(name)
	if err := newObject(name, 4096); err != nil {
		return err
	}
	cli.Say("Open by name (O_RDWR), map MAP_SHARED, store text, unmap, close, and let")
	cli.Say("another process read the object by its path: no process has it open or")
	cli.Say("mapped any more, and the bytes are still there (内核持续性, kernel persistence:")
	cli.Say("until shm_unlink or reboot).")
	if err := write(name, 0, "hello, tmpfs"); err != nil {
		return err
	}
	path, err := ShmPath(name)
	if err != nil {
		return err
	}
	got, err := fault.ReadInChild(path, len("hello, tmpfs"))
	if err != nil {
		return err
	}
	cli.Fact("read() of the path in another process", got)
	return nil
}

// resizeByName sets the size of the object name (open, ftruncate, close).
// newObject makes a new object name (O_CREAT|O_EXCL, mode 0600) of size
// bytes, for the tour's steps.
func newObject(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if size > 0 {
		return Resize(fd, size)
	}
	return nil
}

func resizeByName(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return Resize(fd, size)
}

func write(name string, off int64, text string) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	if off+int64(len(text)) > st.Size {
		return pastEnd("write", name, off, int64(len(text)), st.Size)
	}
	m, rel, err := mapRange(name, fd, off, len(text), unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return err
	}
	defer Unmap(m)
	copy(m[rel:], text)
	cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(text), off))
	return nil
}

func runRead(args []string) error {
	fs := cli.NewFlags("read")
	offArg := fs.String("offset", "0", "where to start")
	lenArg := fs.String("length", "", "how many bytes (default: to the end)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("read", pos, 1, 1); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", *offArg, 0, 1<<40)
	if err != nil {
		return err
	}
	n := int64(-1)
	if *lenArg != "" {
		if n, err = cli.ParseCount("length", *lenArg, 1, 1<<30); err != nil {
			return err
		}
	}
	return read(pos[0], off, n)
}

// read prints the bytes [off, off+n) of the object as text, up to a NUL.
// n < 0 means to the end of the object.
func read(name string, off, n int64) error {
	fd, err := ShmOpen(name, unix.O_RDONLY, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	if n < 0 {
		n = min(st.Size-off, 1<<30)
	}
	if st.Size == 0 {
		return fmt.Errorf("read %s: the object is empty (size 0): nothing to map (give it a size: posix truncate NAME SIZE)", name)
	}
	if n <= 0 || off+n > st.Size {
		return pastEnd("read", name, off, max(n, 1), st.Size)
	}
	m, rel, err := mapRange(name, fd, off, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	fmt.Fprintf(cli.Stdout, "%s\n", cstr(m[rel:rel+int(n)]))
	return nil
}

func runStat(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("stat"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("stat", pos, 1, 1); err != nil {
		return err
	}
	return stat(pos[0])
}

func tourStat() error {
	name := tourName("s")
	defer ShmUnlink(name)
	cli.Say("fstat on the descriptor: the object has a size, a mode and an owner like any")
	cli.Say("file, and fstatfs says where it lives: tmpfs, memory (and swap) with a file")
	cli.Say("system's names on top. Nothing of it is on a disk.")
	um := unix.Umask(0o022) // so that 0640 stays 0640 whatever the caller's umask
	defer unix.Umask(um)
	fd, err := ShmOpen(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR, 0o640)
	if err != nil {
		return err
	}
	err = Resize(fd, 8192)
	unix.Close(fd)
	if err != nil {
		return err
	}
	return stat(name)
}

// tmpfsMagic is TMPFS_MAGIC from <linux/magic.h>, the f_type of tmpfs.
const tmpfsMagic = 0x01021994

func stat(name string) error {
	fd, err := ShmOpen(name, unix.O_RDONLY, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	var fsst unix.Statfs_t
	if err := unix.Fstatfs(fd, &fsst); err != nil {
		return cli.Sys("stat "+name, "fstatfs", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("stat %s: not a shared memory object but a directory or other special file in %s (shm_open O_RDONLY opened it; mmap would refuse it with ENODEV)", name, ShmDir)
	}
	fsName := fmt.Sprintf("f_type %#x", fsst.Type)
	if fsst.Type == tmpfsMagic {
		fsName = "tmpfs"
	}
	path, _ := ShmPath(name)
	cli.Fact("path", path)
	cli.Fact("type", "regular file")
	cli.Fact("size", st.Size)
	cli.Fact("mode", modeString(st.Mode))
	cli.Fact("uid", st.Uid)
	cli.Fact("gid", st.Gid)
	cli.Fact("links", st.Nlink)
	cli.Fact("file system", fsName)
	return nil
}

func runTruncate(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("truncate"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("truncate", pos, 2, 2); err != nil {
		return err
	}
	size, err := cli.ParseCount("size", pos[1], 0, 1<<40)
	if err != nil {
		return err
	}
	return truncate(pos[0], size)
}

func tourTruncate() error {
	name := tourName("t")
	defer ShmUnlink(name)
	if err := newObject(name, 0); err != nil {
		return err
	}
	cli.Say("ftruncate grows the object with zero bytes. Shrinking it throws pages away")
	cli.Say("even while a process maps them: a child maps 2 pages, shrinks the object to")
	cli.Say("100 bytes and touches its second page, which has nothing behind it: SIGBUS.")
	if err := truncate(name, 2*int64(os.Getpagesize())); err != nil {
		return err
	}
	return truncate(name, 100)
}

func pageUp(n int64) int64 {
	ps := int64(os.Getpagesize())
	return (n + ps - 1) / ps * ps
}

func truncate(name string, size int64) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	old := st.Size
	cli.Fact("size before", old)
	lost := pageUp(size) < old
	if lost {
		// The child maps the old size, shrinks the object under its own
		// live mapping, and touches the first page that is gone.
		res, err := fault.Run("truncate-shrink", name, strconv.FormatInt(old, 10), strconv.FormatInt(size, 10))
		if err != nil {
			return err
		}
		cli.Fact("touch a page lost under a live mapping", res)
	} else if err := Resize(fd, size); err != nil {
		return err
	}
	if st, err = Stat(fd); err != nil {
		return err
	}
	cli.Fact("size after", st.Size)
	if size > old {
		// Check the new bytes (the first 64 KiB of them: reading a page of
		// tmpfs allocates it).
		n := min(size-old, 64<<10)
		m, rel, err := mapRange(name, fd, old, int(n), unix.PROT_READ)
		if err != nil {
			return err
		}
		defer Unmap(m)
		zero := true
		for _, c := range m[rel:] {
			zero = zero && c == 0
		}
		cli.Fact("new bytes read as zero", cli.YesNo(zero))
	}
	return nil
}

func runHold(args []string) error {
	fs := cli.NewFlags("hold")
	ready := fs.String("ready", "", "write this file once the object is mapped")
	touch := fs.Bool("touch", false, "write to every page, so that each takes memory")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("hold", pos, 1, 1); err != nil {
		return err
	}
	return hold(pos[0], *ready, *touch)
}

func hold(name, ready string, touch bool) error {
	fd, err := ShmOpen(name, unix.O_RDWR, 0)
	if err != nil {
		return explain(err)
	}
	defer unix.Close(fd)
	st, err := Stat(fd)
	if err != nil {
		return err
	}
	if st.Size == 0 {
		return fmt.Errorf("hold %s: the object is empty (size 0): nothing to map", name)
	}
	m, err := Map(fd, 0, int(min(st.Size, 1<<30)), unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return explain(named(err, name))
	}
	defer Unmap(m)
	cli.Fact("mapped", fmt.Sprintf("%d bytes", len(m)))
	cli.Fact("reads", cstr(m))
	if touch {
		// Page 0 holds the text; a store into each other page allocates it.
		ps := os.Getpagesize()
		for i := ps; i < len(m); i += ps {
			m[i] = 1
		}
		cli.Fact("touched", fmt.Sprintf("%d pages", (len(m)+ps-1)/ps))
	}
	if err := cli.Ready(ready); err != nil {
		return err
	}
	cli.Hold()
	if st, err = Stat(fd); err != nil {
		return err
	}
	cli.Fact("links after release", st.Nlink)
	cli.Fact("memory held after release", fmt.Sprintf("%d kB", st.Blocks*512/1024))
	cli.Fact("reads after release", guarded(func() string { return cstr(m) }))
	cli.Fact("reads after writing", guarded(func() string {
		copy(m, "STILL HERE\x00")
		return cstr(m)
	}))
	return nil
}

// guarded runs f, turning a fault on the mapping (the object shrank under
// it) into a message instead of the end of the process.
func guarded(f func() string) (s string) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			s = "fault: the object shrank under the mapping"
		}
	}()
	return f()
}

func runMapped(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("mapped"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("mapped", pos, 1, 1); err != nil {
		return err
	}
	path, err := ShmPath(pos[0])
	if err != nil {
		return cli.SysHint("shm_open "+shown(pos[0]), "shm_open", err, "not a name glibc accepts")
	}
	_, err = os.Lstat(path)
	cli.Fact("name exists", cli.YesNo(err == nil))
	cli.Fact("mapped by", processes(mappers(path)))
	return nil
}

func processes(n int) string {
	if n == 1 {
		return "1 process"
	}
	return fmt.Sprintf("%d processes", n)
}

// mappers counts the processes whose /proc/PID/maps has a mapping of path,
// also after it was unlinked (the kernel then shows "PATH (deleted)").
// Processes of other users are counted only when this one may read their
// maps (root may).
func mappers(path string) int {
	dirs, _ := os.ReadDir("/proc")
	n := 0
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		ms, err := procfs.Maps(d.Name())
		if err != nil {
			continue
		}
		for _, m := range ms {
			if m.Path == path || m.Path == path+" (deleted)" {
				n++
				break
			}
		}
	}
	return n
}
