//go:build linux && (amd64 || arm64)

// Package procfs reads what the kernel says about a process's memory:
// /proc/PID/smaps (per mapping: Rss, Shared_Dirty, Private_Dirty, Locked),
// /proc/PID/maps and /proc/PID/status (VmLck). Chapters use it to show the
// effect of a call in the kernel's own counters rather than take it on faith.
package procfs

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Mapping is one line of /proc/PID/maps, with the counters of smaps (in kB)
// when read from smaps.
type Mapping struct {
	Start, End   uintptr
	Perms        string // "rw-s": read, write, execute, shared or private
	Offset       uint64
	Inode        uint64
	Path         string // file, "[heap]", "/SYSV0000abcd (deleted)", or ""
	Rss          int64  // kB resident
	SharedDirty  int64  // kB dirty and shared with another mapping
	PrivateDirty int64  // kB dirty and private
	Locked       int64  // kB locked in memory (mlock, MAP_LOCKED)
}

// Contains reports whether addr lies in the mapping.
func (m Mapping) Contains(addr uintptr) bool { return m.Start <= addr && addr < m.End }

// Size is the length of the mapping in bytes.
func (m Mapping) Size() uintptr { return m.End - m.Start }

// Smaps reads /proc/PID/smaps; pid "self" is this process.
func Smaps(pid string) ([]Mapping, error) { return read("/proc/" + pid + "/smaps") }

// Maps reads /proc/PID/maps (no counters; cheaper than smaps).
func Maps(pid string) ([]Mapping, error) { return read("/proc/" + pid + "/maps") }

// Find returns the mapping of ms that contains addr.
func Find(ms []Mapping, addr uintptr) (Mapping, bool) {
	for _, m := range ms {
		if m.Contains(addr) {
			return m, true
		}
	}
	return Mapping{}, false
}

// Overlapping returns the mappings of ms that overlap [start, end).
func Overlapping(ms []Mapping, start, end uintptr) []Mapping {
	var out []Mapping
	for _, m := range ms {
		if m.Start < end && start < m.End {
			out = append(out, m)
		}
	}
	return out
}

// SmapsAt reads this process's smaps and returns the mapping containing addr.
func SmapsAt(addr uintptr) (Mapping, error) {
	ms, err := Smaps("self")
	if err != nil {
		return Mapping{}, err
	}
	m, ok := Find(ms, addr)
	if !ok {
		return Mapping{}, fmt.Errorf("no mapping at %#x in /proc/self/smaps", addr)
	}
	return m, nil
}

func read(path string) ([]Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []Mapping
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m, ok := parseHeader(line); ok {
			ms = append(ms, m)
			continue
		}
		if len(ms) == 0 {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb := parseKB(val)
		cur := &ms[len(ms)-1]
		switch key {
		case "Rss":
			cur.Rss = kb
		case "Shared_Dirty":
			cur.SharedDirty = kb
		case "Private_Dirty":
			cur.PrivateDirty = kb
		case "Locked":
			cur.Locked = kb
		}
	}
	return ms, sc.Err()
}

// parseHeader parses "start-end perms offset dev inode [path]".
func parseHeader(line string) (Mapping, bool) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return Mapping{}, false
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return Mapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(f[2], 16, 64)
	ino, err4 := strconv.ParseUint(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(f[1]) != 4 {
		return Mapping{}, false
	}
	m := Mapping{Start: uintptr(start), End: uintptr(end), Perms: f[1], Offset: off, Inode: ino}
	if len(f) > 5 {
		// The path is the rest of the line; it may contain spaces.
		m.Path = strings.Join(f[5:], " ")
	}
	return m, true
}

func parseKB(val string) int64 {
	f := strings.Fields(val)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n
}
