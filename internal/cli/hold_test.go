//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// OpenRegular refuses a FIFO at once (no blocking open) and a symlink.
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRegular(fifo, os.O_RDONLY); err == nil || !strings.Contains(err.Error(), "a FIFO (named pipe), not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(file, link)
	if _, err := OpenRegular(link, os.O_RDONLY|unix.O_NOFOLLOW); !errors.Is(err, unix.ELOOP) {
		t.Errorf("a symlink: %v, want ELOOP", err)
	}
	f, err := OpenRegular(file, os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
