//go:build linux && (amd64 || arm64)

package procfs

import (
	"os"
	"path/filepath"
	"testing"
)

const sample = `7f0000000000-7f0000002000 rw-s 00000000 00:01 1234                       /SYSV7e000010 (deleted)
Size:                  8 kB
Rss:                   4 kB
Shared_Dirty:          4 kB
Private_Dirty:         0 kB
Locked:                4 kB
7f0000002000-7f0000003000 r--p 00001000 fd:00 99                         /tmp/a file
Rss:                   0 kB
`

func TestReadSmaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smaps")
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	ms, err := read(path)
	if err != nil || len(ms) != 2 {
		t.Fatalf("read: %d mappings, %v", len(ms), err)
	}
	m := ms[0]
	if m.Start != 0x7f0000000000 || m.Size() != 0x2000 || m.Perms != "rw-s" || m.Path != "/SYSV7e000010 (deleted)" ||
		m.Rss != 4 || m.SharedDirty != 4 || m.Locked != 4 || m.Inode != 1234 {
		t.Errorf("first mapping: %+v", m)
	}
	if ms[1].Path != "/tmp/a file" || ms[1].Offset != 0x1000 {
		t.Errorf("second mapping: %+v", ms[1])
	}
	if got := Overlapping(ms, 0x7f0000001000, 0x7f0000002800); len(got) != 2 {
		t.Errorf("Overlapping: %d", len(got))
	}
	if _, ok := Find(ms, 0x7f0000003000); ok {
		t.Error("Find past the end found a mapping")
	}
}

func TestSelf(t *testing.T) {
	ms, err := Smaps("self")
	if err != nil || len(ms) == 0 {
		t.Fatalf("Smaps(self): %d, %v", len(ms), err)
	}
	if _, err := VmLck(); err != nil {
		t.Fatal(err)
	}
}
