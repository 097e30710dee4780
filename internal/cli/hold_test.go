//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A ready file or a .fail file is never written through a link planted
// where it goes: root would overwrite the link's target.
func TestReadyNeverFollowsALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	os.WriteFile(target, []byte("keep\n"), 0o600)
	ready := filepath.Join(dir, "ready")
	os.Symlink(target, ready)
	os.Symlink(target, filepath.Join(dir, "other.fail"))
	if err := Ready(ready); !errors.Is(err, unix.EEXIST) {
		t.Errorf("Ready over a symlink: %v, want EEXIST", err)
	}
	failReady([]string{"-ready", filepath.Join(dir, "other")}, errors.New("boom"))
	if b, _ := os.ReadFile(target); string(b) != "keep\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	fresh := filepath.Join(dir, "fresh")
	if err := Ready(fresh); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(fresh); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("Ready made no regular file: %v", err)
	}
}
