//go:build linux && (amd64 || arm64)

package procfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDescriptorsOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, nil, 0o600)
	if n, err := DescriptorsOn(path); err != nil || n != 0 {
		t.Fatalf("no descriptor yet: %d, %v", n, err)
	}
	a, _ := os.Open(path)
	defer a.Close()
	b, _ := os.Open(path)
	defer b.Close()
	if n, err := DescriptorsOn(path); err != nil || n != 2 {
		t.Errorf("two descriptors: %d, %v", n, err)
	}
}

func TestFilesystem(t *testing.T) {
	name, storage, _, err := Filesystem("/dev/shm")
	if err != nil || !strings.HasPrefix(name, "tmpfs") || storage {
		t.Errorf("/dev/shm: %q storage %v, %v", name, storage, err)
	}
}
