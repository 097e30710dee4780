//go:build linux && (amd64 || arm64)

package scripttest

import "golang.org/x/sys/unix"

// onDisk reports whether dir is on a filesystem with storage behind it:
// not tmpfs (or ramfs), where dirty pages have nowhere to be written.
func onDisk(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, err
	}
	return st.Type != unix.TMPFS_MAGIC && st.Type != unix.RAMFS_MAGIC, nil
}
