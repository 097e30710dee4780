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

	"golang.org/x/sys/unix"
)

// Cleanup removes what a scenario may have left: the objects recorded in
// trackFile, System V objects whose key is in [key, key+KeyBlock), and
// /dev/shm entries named prefix* or sem.prefix*. Objects already gone are
// fine; anything else is returned as an error.
func Cleanup(key int, prefix, trackFile string) error {
	tracked := map[string]bool{} // "shm 123 456"
	var files []string
	if f, err := os.Open(trackFile); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, "file "); ok {
				files = append(files, p)
				continue
			}
			tracked[line] = true
		}
		f.Close()
	}
	var errs []error
	for _, kind := range []string{"shm", "sem", "msg"} {
		objs, err := SysV(kind)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			inBlock := key != 0 && o.Key >= key && o.Key < key+KeyBlock
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

func gone(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM) || errors.Is(err, unix.ENOENT)
}

// SysVObject is one line of /proc/sysvipc/{shm,sem,msg}.
type SysVObject struct {
	Key int // as a signed 32-bit key_t
	ID  int
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
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		k, err1 := strconv.ParseInt(fs[0], 10, 64)
		id, err2 := strconv.Atoi(fs[1])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, SysVObject{Key: int(int32(k)), ID: id})
	}
	return out, sc.Err()
}

// RemoveSysV removes a System V object by id with IPC_RMID.
func RemoveSysV(kind string, id int) error {
	var e unix.Errno
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
