//go:build linux && (amd64 || arm64)

package fault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A file truncated under its mapping: reading the page that went away is a
// *Gone error with its offset, and the program goes on.
func TestGuardTurnsSIGBUSIntoAnError(t *testing.T) {
	page := os.Getpagesize()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 2*page), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem, err := unix.Mmap(int(f.Fd()), 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	if err := f.Truncate(int64(page)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2*page)
	n, err := Copy(mem, buf, mem)
	var g *Gone
	// memmove may touch the gone page anywhere first: the offset is the
	// faulting access's, somewhere in the second page.
	if !errors.As(err, &g) || g.Offset < page || g.Offset >= 2*page {
		t.Fatalf("Copy over a truncated page: n %d, err %v; want *Gone in the second page", n, err)
	}
	if err := Guard(mem, func() { mem[0] = 1 }); err != nil {
		t.Errorf("a write to the page still there: %v", err)
	}
}
