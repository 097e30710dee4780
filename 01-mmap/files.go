//go:build linux && (amd64 || arm64)

// The experiments about what a mapping is backed by: pagesize, shared,
// private, anon, and the write/read tools.

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/fault"
	"shmlab/internal/procfs"
)

func runPagesize(args []string) error {
	if err := cli.Want("pagesize", args, 0, 0); err != nil {
		return err
	}
	return pagesize()
}

func tourPagesize() error {
	cli.Say("The kernel maps memory in pages. A 1-byte request still takes a whole page,")
	cli.Say("as /proc/self/maps shows for an anonymous mapping of 1 byte.")
	return pagesize()
}

func pagesize() error {
	ps := PageSize()
	cli.Fact("page size", ps)
	// MAP_SHARED anonymous memory is its own object, so the kernel never
	// merges it with a neighbour: the line in /proc/self/maps is ours alone.
	b, err := MapAnon(1, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(b)
	m, err := procfs.SmapsAt(uintptr(unsafe.Pointer(&b[0])))
	if err != nil {
		return err
	}
	cli.Fact("1-byte mapping spans", fmt.Sprintf("%d bytes", m.Size()))
	return nil
}

// holdFlags are the flags of experiments a scenario keeps alive while
// another process looks at the file.
type holdFlags struct {
	hold  bool
	ready string
}

func parseHold(name string, args []string) (holdFlags, []string, error) {
	var h holdFlags
	fs := cli.NewFlags(name)
	fs.BoolVar(&h.hold, "hold", false, "keep the mapping until SIGINT/SIGTERM")
	fs.StringVar(&h.ready, "ready", "", "write this file when the mapping is written")
	pos, err := cli.Parse(fs, args)
	return h, pos, err
}

func runShared(args []string) error {
	h, pos, err := parseHold("shared", args)
	if err != nil {
		return err
	}
	if err := cli.Want("shared", pos, 1, 2); err != nil {
		return err
	}
	text := "HELLO"
	if len(pos) == 2 {
		text = pos[1]
	}
	return shared(pos[0], text, h)
}

func tourShared() error {
	path, done, err := tempFile("hello, page cache\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("Map a file MAP_SHARED, write through the mapping, and let another process")
	cli.Say("read() the file while the mapping is still there: no msync, no munmap.")
	cli.Say("The notes say the change reaches the file only after munmap or msync; on")
	cli.Say("Linux the mapping and read() use the same page-cache pages, so it is there at once.")
	return shared(path, "HELLO", holdFlags{})
}

func shared(path, text string, h holdFlags) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < int64(len(text)) {
		return fmt.Errorf("shared %s: the file has %d bytes, fewer than the %d to write (grow it first)", path, size, len(text))
	}
	m, err := MapFile(path, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	defer Unmap(m)
	copy(m, text)
	cli.Fact("wrote through mapping", text)
	cli.Fact("msync called", "no")
	cli.Fact("munmap called", "no")
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process", got)
	if err := cli.Ready(h.ready); err != nil {
		return err
	}
	if h.hold {
		cli.Hold()
	}
	return nil
}

func runPrivate(args []string) error {
	h, pos, err := parseHold("private", args)
	if err != nil {
		return err
	}
	if err := cli.Want("private", pos, 1, 2); err != nil {
		return err
	}
	text := "HELLO"
	if len(pos) == 2 {
		text = pos[1]
	}
	return private(pos[0], text, h)
}

func tourPrivate() error {
	path, done, err := tempFile("hello, page cache\n")
	if err != nil {
		return err
	}
	defer done()
	cli.Say("Map the same kind of file MAP_PRIVATE, from a read-only descriptor, and write:")
	cli.Say("the first write to a page copies it (写时复制, copy-on-write); the copy is ours.")
	return private(path, "HELLO", holdFlags{})
}

func private(path, text string, h holdFlags) error {
	size, err := fileSize(path)
	if err != nil {
		return err
	}
	if size < int64(len(text)) {
		return fmt.Errorf("private %s: the file has %d bytes, fewer than the %d to write", path, size, len(text))
	}
	m, err := MapFile(path, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer Unmap(m)
	copy(m, text)
	cli.Fact("file opened", "O_RDONLY")
	cli.Fact("mapping reads", string(m[:len(text)]))
	own, err := readAt(path, 0, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in this process", own)
	got, err := fault.ReadInChild(path, len(text))
	if err != nil {
		return err
	}
	cli.Fact("read() in another process", got)
	if err := cli.Ready(h.ready); err != nil {
		return err
	}
	if h.hold {
		cli.Hold()
	}
	return nil
}

func runAnon(args []string) error {
	fs := cli.NewFlags("anon")
	sizeArg := fs.String("size", "64K", "bytes to map")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("anon", pos, 0, 0); err != nil {
		return err
	}
	size, err := cli.ParseCount("size", *sizeArg, 1, 1<<30)
	if err != nil {
		return err
	}
	return anon(int(size))
}

func tourAnon() error {
	cli.Say("MAP_ANONYMOUS with fd -1 (匿名映射): memory with no file behind it. The kernel")
	cli.Say("gives a page only when it is first touched, and gives it zero-filled.")
	return anon(64 << 10)
}

func anon(size int) error {
	// The kernel merges adjacent private anonymous mappings with the same
	// protection into one line of smaps (Go's heap is one). A PROT_NONE page
	// on either side keeps ours on a line of its own, so its Rss is its own.
	ps := PageSize()
	size = (size + ps - 1) / ps * ps
	whole, err := MapAnon(size+2*ps, unix.PROT_NONE, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	defer Unmap(whole)
	m := whole[ps : ps+size]
	if err := Protect(m, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	addr := uintptr(unsafe.Pointer(&m[0]))
	before, err := procfs.SmapsAt(addr)
	if err != nil {
		return err
	}
	cli.Fact("backing file", orNone(before.Path))
	cli.Fact("rss before touch", fmt.Sprintf("%d kB", before.Rss))
	zero := true
	for _, c := range m { // reading maps the shared zero page, not new memory
		zero = zero && c == 0
	}
	cli.Fact("all zero", cli.YesNo(zero))
	for i := 0; i < len(m); i += PageSize() {
		m[i] = 1 // the first write to each page allocates it
	}
	after, err := procfs.SmapsAt(addr)
	if err != nil {
		return err
	}
	cli.Fact("rss after writing every page", fmt.Sprintf("%d kB", after.Rss))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func runWrite(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("write"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("write", pos, 3, 3); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", pos[1], 0, 1<<62)
	if err != nil {
		return err
	}
	text := pos[2]
	if text == "" {
		return cli.Usagef("write: empty TEXT")
	}
	m, rel, err := mapRange(pos[0], off, len(text), unix.PROT_READ|unix.PROT_WRITE)
	if err != nil {
		return err
	}
	defer Unmap(m)
	copy(m[rel:], text)
	cli.Fact("wrote", fmt.Sprintf("%d bytes at offset %d", len(text), off))
	return nil
}

func runRead(args []string) error {
	pos, err := cli.Parse(cli.NewFlags("read"), args)
	if err != nil {
		return err
	}
	if err := cli.Want("read", pos, 3, 3); err != nil {
		return err
	}
	off, err := cli.ParseCount("offset", pos[1], 0, 1<<62)
	if err != nil {
		return err
	}
	n, err := cli.ParseCount("length", pos[2], 1, 1<<30)
	if err != nil {
		return err
	}
	m, rel, err := mapRange(pos[0], off, int(n), unix.PROT_READ)
	if err != nil {
		return err
	}
	defer Unmap(m)
	// Print the bytes as text, up to a NUL (as a C string would end).
	b := m[rel : rel+int(n)]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	fmt.Fprintf(cli.Stdout, "%s\n", b)
	return nil
}

// mapRange maps the pages of path that hold [off, off+n) and returns the
// mapping and where off falls in it. mmap wants a page-aligned offset, so the
// mapping starts at the page that holds off. A range past the end of the file
// is refused here: touching it through the mapping would raise SIGBUS.
func mapRange(path string, off int64, n int, prot int) ([]byte, int, error) {
	size, err := fileSize(path)
	if err != nil {
		return nil, 0, err
	}
	if off+int64(n) > size {
		return nil, 0, fmt.Errorf("%s: bytes %d..%d are past the end of the file (size %d): a mapping there would raise SIGBUS; grow the file first (truncate -s)", path, off, off+int64(n), size)
	}
	ps := int64(PageSize())
	start := off / ps * ps
	m, err := MapFile(path, start, int(off-start)+n, prot, unix.MAP_SHARED)
	if err != nil {
		return nil, 0, err
	}
	return m, int(off - start), nil
}

// fileSize is the size of a regular file; anything else is refused with the
// errno mmap would give it.
func fileSize(path string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, cli.Sys("stat "+path, "stat", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return 0, cli.SysHint("map "+path, "open", unix.EISDIR, "a directory cannot be mapped")
	}
	return st.Size, nil
}

// readAt reads n bytes at off with pread(2): plain file I/O, no mapping.
func readAt(path string, off int64, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", cli.Sys("open "+path, "open", err)
	}
	defer f.Close()
	buf := make([]byte, n)
	k, err := f.ReadAt(buf, off)
	if k == 0 && err != nil {
		return "", cli.Sys("read "+path, "pread", err)
	}
	return string(buf[:k]), nil
}

// tempFile makes a file with content for a tour step and returns how to
// remove it.
func tempFile(content string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "shmlab-mmap-")
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
