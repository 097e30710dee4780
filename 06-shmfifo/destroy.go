//go:build linux && (amd64 || arm64)

// `shmfifo destroy`: the course's shmfifo_destroy (ep. 33): IPC_RMID on the
// segment and on the three semaphore sets. Only on what it recognises as a
// FIFO: another program's segment or semaphore set at KEY, KEY+1 or KEY+2
// is left alone unless -force says otherwise.

package main

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

func destroyCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	force := f.Bool("force", "remove what is at KEY, KEY+1 and KEY+2 even if it is not a FIFO")
	f.Args(0, 1) // [KEY]
	return func(args []string) error {
		key, _, err := fifoKey(k, "destroy", args, 0, 0)
		if err != nil {
			return err
		}
		// What is at the keys must be a FIFO (what stat shows) or what a
		// FIFO left behind; anything else is someone else's.
		if !*force {
			if err := recognise(key); err != nil {
				return err
			}
		}
		n, err := Destroy(key)
		if err != nil {
			return cli.SysHint("destroy FIFO key "+KeyString(key), "shmget", err,
				map[bool]string{true: "nothing to remove: no segment and no semaphore set at this key"}[errnoOf(err) == unix.ENOENT])
		}
		cli.Fact("removed", fmt.Sprintf("%d objects", n))
		return nil
	}
}

// recognise lets destroy go on for a FIFO that Open accepts (the same test
// as stat's), for the three one-semaphore sets a FIFO left without its
// segment, and for nothing at all (Destroy then says ENOENT). Anything else
// is refused in one line naming what is there and why it is not a FIFO.
func recognise(key int) error {
	f, err := Open(key)
	if err == nil {
		f.Close()
		return nil
	}
	if errors.Is(err, unix.ENOENT) && callOf(err) == "shmget" {
		switch n := setsAt(key); {
		case n == [3]int{-1, -1, -1}, n == [3]int{1, 1, 1}:
			return nil
		}
		err = errors.New("not the three one-semaphore sets a FIFO leaves behind")
	}
	verdict := "not a FIFO"
	if errnoOf(err) == unix.EACCES {
		verdict = "this user may not look at it, so cannot tell it is a FIFO"
	}
	return fmt.Errorf("destroy FIFO key %s: %s: %s (%s): left alone (destroy -force removes it)",
		KeyString(key), whatIsAt(key), verdict, notFifoReason(err))
}

// setsAt gives, for key, key+1 and key+2, how many semaphores the set there
// holds: -1 for no set, 0 for a set whose size cannot be read.
func setsAt(key int) [3]int {
	var n [3]int
	for i := range n {
		id, err := Semget(key+i, 0, 0)
		if err != nil {
			n[i] = -1
			continue
		}
		n[i], _ = SemNsems(id)
	}
	return n
}

// whatIsAt names the objects at key, key+1 and key+2, for a refusal:
// "a segment of 4096 bytes, no semaphore set".
func whatIsAt(key int) string {
	seg := "no segment"
	if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
		seg = "a segment"
		var ds unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err == nil {
			seg = fmt.Sprintf("a segment of %d bytes", ds.Segsz)
		}
	}
	var sets []string
	for i, n := range setsAt(key) {
		switch {
		case n > 0:
			sets = append(sets, fmt.Sprintf("a set of %d semaphore%s at %s", n, map[bool]string{true: "s"}[n > 1], KeyString(key+i)))
		case n == 0:
			sets = append(sets, "a set at "+KeyString(key+i))
		}
	}
	if len(sets) == 0 {
		sets = []string{"no semaphore set"}
	}
	return seg + ", " + strings.Join(sets, ", ")
}

// notFifoReason is why Open refused what is at a key, without the key it
// names already: "semget: ENOENT", "corrupt FIFO header: blksize 0, ...".
func notFifoReason(err error) string {
	if e := errnoOf(err); e != 0 {
		return callOf(err) + ": " + cli.ErrnoName(e)
	}
	return stateReason(err)
}

// stateReason is an ErrCorrupt or ErrInconsistent error from the name of
// the sentinel on, without the key before it.
func stateReason(err error) string {
	s := err.Error()
	for _, e := range []error{ErrCorrupt, ErrInconsistent} {
		if i := strings.Index(s, e.Error()); i >= 0 {
			return s[i:]
		}
	}
	return s
}
