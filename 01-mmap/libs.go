//go:build linux && (amd64 || arm64)

// libs: shared libraries are mapped into every process that uses them, one
// of the uses of mmap notes 000 part 1 lists. The dynamic loader maps the
// library file's code segment PROT_READ|PROT_EXEC, MAP_PRIVATE (r-xp in
// /proc/PID/maps): every process maps the same file (one inode), and the
// pages of its code are the page cache's, one copy in RAM for all of them.

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/procfs"
)

func libsCmd(f *cli.Flags) cli.Action {
	procs := f.Int("procs", 2, 1, 16, "how many processes of cat(1) to start and look at")
	return func([]string) error { return libs(int(*procs)) }
}

func tourLibs() error {
	cli.Say("Two cat processes map the C library's code r-xp (PROT_READ|PROT_EXEC,")
	cli.Say("MAP_PRIVATE), the same file. Mapped here the same way, smaps counts its pages")
	cli.Say("Shared_Clean: one copy in RAM for every process.")
	return libs(2)
}

func libs(n int) error {
	pids, stop, err := startCats(n)
	if err != nil {
		return err
	}
	defer stop()
	cli.Fact("processes started", fmt.Sprintf("%d (cat)", n))
	lib, err := commonLibrary(pids)
	if err != nil {
		return err
	}
	cli.Fact("library mapped r-xp in each", filepath.Base(lib.Path))
	cli.Fact("processes mapping it, same inode", n)
	own, err := procfs.Maps("self")
	if err != nil {
		return err
	}
	// A Go program is usually linked statically and maps no C library; built
	// with cgo (or -race) it maps the same file as cat does.
	cli.Fact("mapped by this program already", cli.YesNo(mapsInode(own, lib)))
	return mapLibrary(lib)
}

// mapLibrary maps the library's code as the dynamic loader does and shows
// its pages shared with the other processes.
func mapLibrary(lib procfs.Mapping) (err error) {
	length := int(lib.Size())
	m, err := MapFile(lib.Path, int64(lib.Offset), length, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE)
	if err != nil {
		return mapFileErr(lib.Path, err)
	}
	defer unmapAtEnd(m, &err)
	// Touch every page, as running the code would.
	var sink byte
	if err := guard("read", lib.Path, int64(lib.Offset), m, func() {
		for i := 0; i < len(m); i += PageSize() {
			sink += m[i]
		}
	}); err != nil {
		return err
	}
	mine, ok := findMapping(m)
	cli.Fact("mapped here too: perms", mine.Perms)
	cli.Fact("mapped here too: same inode", cli.YesNo(ok && mine.Inode == lib.Inode))
	kb, err := smapsField(addrOf(m), "Shared_Clean")
	if err != nil {
		return err
	}
	cli.Fact("pages mapped by other processes too (smaps Shared_Clean > 0)", cli.YesNo(kb > 0))
	return nil
}

// startCats starts n cat processes reading a pipe, so that they wait, and
// waits until each has loaded its libraries (it sleeps in read). stop ends
// them; an interrupted program ends them too (cli.Made), and so does its
// death (Pdeathsig).
func startCats(n int) (pids []int, stop func(), err error) {
	path, err := exec.LookPath("cat")
	if err != nil {
		return nil, nil, fmt.Errorf("libs: cat(1) not found on PATH: %v", err)
	}
	var mu sync.Mutex
	var cmds []*exec.Cmd
	var pipes []*os.File
	stop = cli.Made(func() {
		mu.Lock()
		defer mu.Unlock()
		for i, c := range cmds {
			pipes[i].Close() // cat reads end of file and exits
			c.Process.Kill()
			c.Wait()
		}
	})
	for i := 0; i < n; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			stop()
			return nil, nil, err
		}
		c := exec.Command(path)
		c.Stdin = r
		c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		mu.Lock()
		err = c.Start()
		if err == nil {
			cmds, pipes, pids = append(cmds, c), append(pipes, w), append(pids, c.Process.Pid)
		}
		mu.Unlock()
		r.Close()
		if err != nil {
			w.Close()
			stop()
			return nil, nil, fmt.Errorf("libs: start %s: %v", path, err)
		}
	}
	for _, pid := range pids {
		if err := waitSleeping(pid); err != nil {
			stop()
			return nil, nil, err
		}
	}
	return pids, stop, nil
}

// waitSleeping waits, at most 10 s, until process pid sleeps (state S in
// /proc/PID/stat): cat has loaded its libraries and waits in read().
func waitSleeping(pid int) error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return fmt.Errorf("libs: cat (pid %d): %v", pid, err)
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i:]), ") S") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("libs: cat (pid %d) still not waiting for input after 10s", pid)
		}
		time.Sleep(delay)
	}
}

// commonLibrary finds the shared library every process of pids maps r-xp:
// the C library if there is one, else the first other one, never the
// program itself.
func commonLibrary(pids []int) (procfs.Mapping, error) {
	first, err := procfs.Maps(strconv.Itoa(pids[0]))
	if err != nil {
		return procfs.Mapping{}, fmt.Errorf("libs: read /proc/%d/maps: %v", pids[0], err)
	}
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(pids[0]) + "/exe")
	var pick procfs.Mapping
	for _, m := range first {
		if m.Perms != "r-xp" || !strings.HasPrefix(m.Path, "/") || m.Path == exe || !strings.Contains(m.Path, ".so") {
			continue
		}
		if pick.Path == "" || strings.HasPrefix(filepath.Base(m.Path), "libc.") {
			pick = m
		}
	}
	if pick.Path == "" {
		return pick, fmt.Errorf("libs: cat (pid %d) maps no shared library: is it linked statically?", pids[0])
	}
	for _, pid := range pids[1:] {
		ms, err := procfs.Maps(strconv.Itoa(pid))
		if err != nil {
			return pick, fmt.Errorf("libs: read /proc/%d/maps: %v", pid, err)
		}
		if !mapsInode(ms, pick) {
			return pick, fmt.Errorf("libs: cat (pid %d) does not map %s r-xp", pid, pick.Path)
		}
	}
	return pick, nil
}

// mapsInode reports whether ms holds an r-xp mapping of lib's file.
func mapsInode(ms []procfs.Mapping, lib procfs.Mapping) bool {
	for _, m := range ms {
		if m.Perms == "r-xp" && m.Inode == lib.Inode && m.Path == lib.Path {
			return true
		}
	}
	return false
}

// smapsField reads one counter (in kB) of the mapping at addr from
// /proc/self/smaps.
func smapsField(addr uintptr, field string) (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 5 && strings.Contains(fs[0], "-") && !strings.HasSuffix(fs[0], ":") {
			lo, hi, _ := strings.Cut(fs[0], "-")
			a, _ := strconv.ParseUint(lo, 16, 64)
			b, _ := strconv.ParseUint(hi, 16, 64)
			in = uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if in && len(fs) >= 2 && fs[0] == field+":" {
			return strconv.ParseInt(fs[1], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/self/smaps: no %s for the mapping at %#x", field, addr)
}
