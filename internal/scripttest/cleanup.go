//go:build linux && (amd64 || arm64)

package scripttest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"shmlab/internal/unpriv"
)

// cleanup is what a scenario removes when it ends, pass or fail.
type cleanup struct {
	key         int    // the first key of the scenario's block
	sentinel    int    // the message queue that reserves the block (-1: none)
	prefix      string // $SHMNAME
	track       string // records of the programs run as the test's user
	unprivTrack string // records of the programs run as uid 65534 ("" if none)
}

func (c *cleanup) run() error {
	err := Cleanup(c.key, c.prefix, c.track)
	if c.unprivTrack != "" {
		err = errors.Join(err, cleanupUnpriv(c.unprivTrack))
	}
	// The reservation goes last: until now no other scenario can take the
	// block while its objects are being removed.
	if c.sentinel >= 0 {
		if rerr := RemoveSysV("msg", c.sentinel); rerr != nil && !gone(rerr) {
			err = errors.Join(err, fmt.Errorf("remove the key reservation: %w", rerr))
		}
	}
	return err
}

// Cleanup removes what a scenario may have left: the objects recorded in
// trackFile, System V objects whose key is in [key+1, key+KeyBlock) and
// shared memory or semaphores at key itself (the message queue there is the
// block's reservation: run removes it last), and /dev/shm entries named
// prefix* or sem.prefix*. Objects already gone are fine; anything else is
// returned as an error.
func Cleanup(key int, prefix, trackFile string) error {
	tracked, files := readTrack(trackFile)
	var errs []error
	for _, kind := range []string{"shm", "sem", "msg"} {
		objs, err := SysV(kind)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			inBlock := key != 0 && o.Key >= key && o.Key < key+KeyBlock && !(kind == "msg" && o.Key == key)
			if !inBlock && !tracked[fmt.Sprintf("%s %d %d", kind, o.ID, o.Key)] {
				continue
			}
			if err := RemoveSysV(kind, o.ID); err != nil && !gone(err) {
				errs = append(errs, fmt.Errorf("remove %s id %d: %w", kind, o.ID, err))
			}
		}
	}
	if prefix != "" {
		for _, pat := range []string{prefix + "*", "sem." + prefix + "*"} {
			m, _ := filepath.Glob(filepath.Join("/dev/shm", pat))
			files = append(files, m...)
		}
	}
	for _, p := range files {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// cleanupUnpriv removes what the programs run as uid 65534 recorded. That
// file is writable by uid 65534, so its lines are trusted only as far as that
// user could act itself: an object is removed only if uid 65534 owns it, a
// file only if uid 65534 owns it and it lies in /dev/shm or the scenario's
// own directories.
func cleanupUnpriv(trackFile string) error {
	tracked, files := readTrack(trackFile)
	var errs []error
	for _, kind := range []string{"shm", "sem", "msg"} {
		objs, err := SysV(kind)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			if o.UID != unpriv.UID || !tracked[fmt.Sprintf("%s %d %d", kind, o.ID, o.Key)] {
				continue
			}
			if err := RemoveSysV(kind, o.ID); err != nil && !gone(err) {
				errs = append(errs, fmt.Errorf("remove %s id %d: %w", kind, o.ID, err))
			}
		}
	}
	work := filepath.Dir(filepath.Dir(trackFile)) // $WORK, above $UNPRIV
	for _, p := range files {
		p = filepath.Clean(p)
		if !strings.HasPrefix(p, "/dev/shm/") && !strings.HasPrefix(p, work+"/") {
			continue
		}
		var st unix.Stat_t
		if unix.Lstat(p, &st) != nil || st.Uid != unpriv.UID {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readTrack reads a record file: "shm ID KEY" lines (and sem, msg) and
// "file PATH" lines. A missing file records nothing.
func readTrack(trackFile string) (map[string]bool, []string) {
	tracked := map[string]bool{}
	var files []string
	f, err := os.Open(trackFile)
	if err != nil {
		return tracked, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "file "); ok {
			if filepath.IsAbs(p) {
				files = append(files, p)
			}
			continue
		}
		tracked[line] = true
	}
	return tracked, files
}

func gone(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM) || errors.Is(err, unix.ENOENT)
}

// SysVObject is one line of /proc/sysvipc/{shm,sem,msg}.
type SysVObject struct {
	Key int // as a signed 32-bit key_t
	ID  int
	UID int // the owner
}

// SysV lists the System V objects of a kind ("shm", "sem" or "msg") from
// /proc/sysvipc, which lists every object of this IPC namespace.
func SysV(kind string) ([]SysVObject, error) {
	f, err := os.Open("/proc/sysvipc/" + kind)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []SysVObject
	sc := bufio.NewScanner(f)
	sc.Scan()
	uidCol := -1 // the header names the columns; each kind has its own
	for i, h := range strings.Fields(sc.Text()) {
		if h == "uid" {
			uidCol = i
		}
	}
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 || uidCol < 0 || len(fs) <= uidCol {
			continue
		}
		k, err1 := strconv.ParseInt(fs[0], 10, 64)
		id, err2 := strconv.Atoi(fs[1])
		uid, err3 := strconv.Atoi(fs[uidCol])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, SysVObject{Key: int(int32(k)), ID: id, UID: uid})
	}
	return out, sc.Err()
}

// RemoveSysV removes a System V object by id with IPC_RMID.
func RemoveSysV(kind string, id int) error {
	var e syscall.Errno
	switch kind {
	case "shm":
		_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return err
	case "sem": // semctl(semid, semnum, cmd)
		_, _, e = unix.Syscall(unix.SYS_SEMCTL, uintptr(id), 0, unix.IPC_RMID)
	case "msg": // msgctl(msqid, cmd, buf)
		_, _, e = unix.Syscall(unix.SYS_MSGCTL, uintptr(id), unix.IPC_RMID, 0)
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	if e != 0 {
		return e
	}
	return nil
}
