//go:build linux && (amd64 || arm64)

// Which filesystem a segment's pages belong to, found without privilege:
// the device of its mapping (/proc/self/maps) is compared with the device
// of a memfd, which the kernel makes on the same internal mounts (tmpfs,
// or hugetlbfs for huge pages), and fstatfs names that memfd's filesystem.
// (fstatfs of /proc/self/map_files/START-END would say it at once, but
// opening map_files needs CAP_SYS_ADMIN.)

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mappingFS names the filesystem of the mapping that starts at addr:
// "tmpfs" or "hugetlbfs" when its device is a memfd's of that kind, else
// its device number.
func mappingFS(addr uintptr) (string, error) {
	dev, err := mappingDev(addr)
	if err != nil {
		return "", err
	}
	for _, flags := range []int{0, unix.MFD_HUGETLB} {
		fd, err := unix.MemfdCreate("shmlab-sysv-fs", flags|unix.MFD_CLOEXEC)
		if err != nil {
			continue // no huge pages in this kernel: not hugetlbfs then
		}
		var st unix.Stat_t
		var fs unix.Statfs_t
		err = unix.Fstat(fd, &st)
		if err == nil {
			err = unix.Fstatfs(fd, &fs)
		}
		unix.Close(fd)
		if err != nil || st.Dev != dev {
			continue
		}
		switch fs.Type {
		case unix.TMPFS_MAGIC:
			return "tmpfs", nil
		case unix.HUGETLBFS_MAGIC:
			return "hugetlbfs", nil
		}
	}
	return fmt.Sprintf("device %d:%d", unix.Major(dev), unix.Minor(dev)), nil
}

// mappingDev reads the device (MAJOR:MINOR, hex) of the mapping that
// starts at addr from /proc/self/maps.
func mappingDev(addr uintptr) (uint64, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := strconv.FormatUint(uint64(addr), 16) + "-"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || !strings.HasPrefix(fs[0], start) {
			continue
		}
		maj, min, _ := strings.Cut(fs[3], ":")
		ma, err1 := strconv.ParseUint(maj, 16, 32)
		mi, err2 := strconv.ParseUint(min, 16, 32)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("/proc/self/maps: bad device %q", fs[3])
		}
		return unix.Mkdev(uint32(ma), uint32(mi)), nil
	}
	return 0, fmt.Errorf("/proc/self/maps: no mapping starts at %#x", addr)
}
