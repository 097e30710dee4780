//go:build linux && (amd64 || arm64)

// What several experiments do with a segment they hold the id of: report a
// failed call on it, print its mode, read the text at its start.

package main

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// shmDest and shmLocked are the flags the kernel keeps in shm_perm.mode
// above the 9 permission bits (<linux/shm.h>).
const (
	shmDest   = 0o1000
	shmLocked = 0o2000
)

// idErr reports a failed call on segment id: "attach shmid 5: shmat: EACCES".
// call names it when the lesson returned a bare errno.
func idErr(verb string, id int, call string, err error) error {
	return cli.WithHints(cli.Sys(fmt.Sprintf("%s shmid %d", verb, id), call, err), idHints)
}

// idHints say what the permission errors of a call on a segment mean.
var idHints = map[unix.Errno]string{
	unix.EACCES: "its mode does not give you this access (ipcs -m shows the mode and the owner)",
	unix.EPERM:  "only the segment's owner, its creator or root may do this",
}

// modeOf gives the 9 permission bits of a segment as ipcs shows them: 0640.
func modeOf(ds *unix.SysvShmDesc) string {
	return fmt.Sprintf("%04o", ds.Perm.Mode&0o777)
}

// contents is the start of a segment up to its first NUL (64 bytes at most).
func contents(m []byte) string {
	b := m[:min(len(m), 64)]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
