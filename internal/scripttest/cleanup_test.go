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
