//go:build linux && (amd64 || arm64)

package scripttest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// Cleanup removes a segment in the scenario's key block, a tracked private
// segment, and /dev/shm files with the scenario's prefix.
func TestCleanup(t *testing.T) {
	key := 0x7e0ffff0
	id, err := unix.SysvShmGet(key+3, 4096, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		RemoveSysV("shm", id)
		t.Fatal(err)
	}
	track := filepath.Join(t.TempDir(), "created")
	os.WriteFile(track, []byte("shm "+strconv.Itoa(priv)+" 0\n"), 0o600)
	name := "shmlab-cleanup-test"
	if err := os.WriteFile("/dev/shm/"+name+"-x", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Cleanup(key, name, track); err != nil {
		t.Fatal(err)
	}
	objs, _ := SysV("shm")
	for _, o := range objs {
		if o.ID == id || o.ID == priv {
			t.Errorf("segment %d still there", o.ID)
		}
	}
	if _, err := os.Stat("/dev/shm/" + name + "-x"); err == nil {
		t.Error("/dev/shm file still there")
	}
}

// A reserved block is refused to the next scenario: its message queue is
// there, made with IPC_EXCL, until the cleanup removes it last.
func TestReserveKeys(t *testing.T) {
	a, qa, err := reserveKeys()
	if err != nil {
		t.Fatal(err)
	}
	c := &cleanup{key: a, sentinel: qa}
	defer c.run()
	_, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(a), unix.IPC_CREAT|unix.IPC_EXCL|0o600, 0)
	if e != unix.EEXIST {
		t.Errorf("msgget IPC_EXCL on a reserved block: %v, want EEXIST", e)
	}
	if err := c.run(); err != nil {
		t.Fatal(err)
	}
	objs, _ := SysV("msg")
	for _, o := range objs {
		if o.ID == qa {
			t.Errorf("the reservation of 0x%08x outlived the cleanup", a)
		}
	}
}

// What the unprivileged side records is not trusted for objects and files
// it does not own: a root-owned segment and file named there stay.
func TestCleanupUnprivTrustsOnlyItsOwn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the objects must belong to another user than 65534")
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveSysV("shm", id)
	dir := t.TempDir()
	victim := "/dev/shm/shmlab-cleanup-victim-" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(victim, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(victim)
	track := filepath.Join(dir, "unpriv", ".shmlab-created")
	os.Mkdir(filepath.Dir(track), 0o700)
	os.WriteFile(track, []byte("shm "+strconv.Itoa(id)+" 0\nfile "+victim+"\n"), 0o600)
	if err := cleanupUnpriv(track); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("a root-owned file named by the unprivileged record was removed: %v", err)
	}
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &unix.SysvShmDesc{}); err != nil {
		t.Errorf("a root-owned segment named by the unprivileged record was removed: %v", err)
	}
}
