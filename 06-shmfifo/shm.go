//go:build linux && (amd64 || arm64)

// The FIFO's shared memory, given to you in both builds: chapter 03 is where
// shmget/shmat/shmctl are the exercise. Here they are a few lines written
// again (not imported, so that each chapter reads on its own), plus the
// checks every reader of shared memory needs: the header is input that any
// process with write access may have scribbled on.

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
)

// HeaderSize is the size of the FIFO's header: four native-endian uint32 at
// offset 0 of the segment, as in the course's C shmfifo:
//
//	struct shmhead { unsigned int blksize, blocks, rd_index, wr_index; };
//
// The blocks follow at once: block i is at HeaderSize + i*blksize.
const HeaderSize = 16

// Header field indexes, in uint32 units.
const (
	hBlksize = iota
	hBlocks
	hRdIndex
	hWrIndex
)

// Fifo is one attached FIFO: the segment at Key, the three one-semaphore
// sets at Key (mutex), Key+1 (free blocks) and Key+2 (filled blocks).
type Fifo struct {
	Key     int
	ShmID   int
	Mutex   int // semaphore set id at Key: 1 when nobody is inside put/get
	Free    int // semaphore set id at Key+1: blocks a producer may fill
	Filled  int // semaphore set id at Key+2: blocks a consumer may take
	Blksize int // geometry read and checked on attach; never trusted again
	Blocks  int
	// Sync is "sysv" (the course's three semaphore sets; Mutex, Free and
	// Filled are their ids) or "posix" (the synchronisation is in the
	// segment, see posix.go; the three ids are -1). SPSC is a posix FIFO
	// that is a lock-free single-producer/single-consumer ring.
	Sync         string
	SPSC         bool
	mem          []byte // the whole segment
	sync         int    // offset of the sync area (posix mode)
	mutex        *Mutex // the in-segment robust mutex (posix mode, not SPSC)
	free, filled *Sem   // the in-segment semaphores (posix mode, not SPSC)
	// This process's view of an SPSC ring: its claims (producer, consumer)
	// and the other side's counter as last seen. tail and head only grow,
	// so an old value only makes the ring look fuller or emptier than it
	// is: it is read again only when it says "wait".
	claimed            [2]bool
	seenTail, seenHead uint64
}

// ErrCorrupt is wrapped by every error about a header that does not make
// sense: a FIFO whose memory another process has scribbled on.
var ErrCorrupt = errors.New("corrupt FIFO header")

// field reads header field i. Another process may write it at any moment;
// callers hold the mutex when the value matters, and check it before use.
func (f *Fifo) field(i int) uint32 {
	return *(*uint32)(unsafe.Pointer(&f.mem[4*i]))
}

func (f *Fifo) setField(i int, v uint32) {
	*(*uint32)(unsafe.Pointer(&f.mem[4*i])) = v
}

// index reads rd_index or wr_index and checks it, with the geometry, against
// what was checked on attach, so that a scribbled header is an error and
// never an access outside the segment.
func (f *Fifo) index(i int) (int, error) {
	if err := f.checkHeader(); err != nil {
		return 0, err
	}
	v := f.field(i)
	if int64(v) >= int64(f.Blocks) {
		name := [...]string{hRdIndex: "rd_index", hWrIndex: "wr_index"}[i]
		return 0, fmt.Errorf("key %s: %w: %s %d is not below blocks %d", KeyString(f.Key), ErrCorrupt, name, v, f.Blocks)
	}
	return int(v), nil
}

// checkHeader checks that the geometry in the header is still the one
// checked on attach.
func (f *Fifo) checkHeader() error {
	if bs, n := f.field(hBlksize), f.field(hBlocks); int(bs) != f.Blksize || int(n) != f.Blocks {
		return fmt.Errorf("key %s: %w: geometry changed from blksize %d blocks %d to blksize %d blocks %d",
			KeyString(f.Key), ErrCorrupt, f.Blksize, f.Blocks, bs, n)
	}
	return nil
}

// block is the payload of block i (0 <= i < Blocks, checked by index).
func (f *Fifo) block(i int) []byte {
	off := HeaderSize + i*f.Blksize
	return f.mem[off : off+f.Blksize : off+f.Blksize]
}

// checkGeometry validates a header read on attach against the segment size
// (for a posix FIFO: the bytes before its sync area, named by where).
func checkGeometry(key int, blksize, blocks uint32, segsz int, where string) error {
	if blksize == 0 || blocks == 0 {
		return fmt.Errorf("key %s: %w: blksize %d, blocks %d (zero: not a FIFO, or not initialised yet)",
			KeyString(key), ErrCorrupt, blksize, blocks)
	}
	if need := uint64(HeaderSize) + uint64(blksize)*uint64(blocks); need > uint64(segsz) {
		return fmt.Errorf("key %s: %w: blksize %d × blocks %d needs %d bytes, the segment has %d%s",
			KeyString(key), ErrCorrupt, blksize, blocks, need, segsz, where)
	}
	return nil
}

// KeyString formats a System V key the way ipcs does.
func KeyString(key int) string { return fmt.Sprintf("0x%08x", uint32(key)) }

// Open attaches the FIFO at key, made before by Init (in Go or in C):
// shmget(key, 0, 0) and shmat, a check of the header against the segment
// size, and semget(key+i, 0, 0) for the three sets, each of which must hold
// one semaphore.
//
// Errors: ENOENT (no FIFO at key), EACCES (its mode does not let us in),
// ErrCorrupt (a header that does not fit the segment).
func Open(key int) (*Fifo, error) {
	id, err := unix.SysvShmGet(key, 0, 0)
	if err != nil {
		return nil, cli.SysHint("open FIFO key "+KeyString(key), "shmget", err, openHint(err, key))
	}
	f, err := attach(key, id)
	if err != nil {
		return nil, err
	}
	if f.Sync == "posix" {
		return f, nil
	}
	if err := f.openSems(); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func openHint(err error, key int) string {
	switch {
	case errors.Is(err, unix.ENOENT):
		return "no FIFO with this key (make one: shmfifo init " + KeyString(key) + " -blksize N -blocks M)"
	case errors.Is(err, unix.EACCES):
		return "its mode does not let this user in (ipcs -m shows the owner and mode)"
	}
	return ""
}

// attach maps segment id and checks its header.
func attach(key, id int) (*Fifo, error) {
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		hint := ""
		if errors.Is(err, unix.EACCES) {
			// shmget(key, 0, 0) asks for no access, so it checks none.
			hint = "the segment's mode does not let this user read and write it (ipcs -m shows owner and mode)"
		}
		return nil, cli.SysHint("attach FIFO key "+KeyString(key), "shmat", err, hint)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem, Sync: "sysv"}
	if len(mem) < HeaderSize {
		f.Close()
		return nil, fmt.Errorf("key %s: %w: the segment has %d bytes, less than a header", KeyString(key), ErrCorrupt, len(mem))
	}
	bs, n := f.field(hBlksize), f.field(hBlocks)
	room, where := len(mem), ""
	off, mode, posix := syncArea(mem)
	if posix {
		room, where = off, " before its sync area"
	}
	if err := checkGeometry(key, bs, n, room, where); err != nil {
		f.Close()
		return nil, err
	}
	f.Blksize, f.Blocks = int(bs), int(n)
	if posix {
		f.Mutex, f.Free, f.Filled = -1, -1, -1
		if err := f.attachPosix(off, mode); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func (f *Fifo) openSems() error {
	for i, p := range []*int{&f.Mutex, &f.Free, &f.Filled} {
		id, err := Semget(f.Key+i, 0, 0)
		if err != nil {
			hint := ""
			if errors.Is(err, unix.ENOENT) {
				hint = "the segment is there but not this semaphore set: a FIFO half made or half destroyed (shmfifo destroy " + KeyString(f.Key) + ")"
			}
			return cli.SysHint(fmt.Sprintf("open FIFO key %s: semaphore set %s", KeyString(f.Key), semName[i]), "semget", err, hint)
		}
		n, err := SemNsems(id)
		if err != nil {
			return cli.Sys(fmt.Sprintf("open FIFO key %s: semaphore set %s", KeyString(f.Key), semName[i]), "semctl IPC_STAT", err)
		}
		if n != 1 {
			return fmt.Errorf("open FIFO key %s: %w: the set at key %s has %d semaphores, a FIFO's have 1",
				KeyString(f.Key), ErrCorrupt, KeyString(f.Key+i), n)
		}
		*p = id
	}
	return nil
}

// semName names the three sets, in key order.
var semName = [3]string{"mutex", "free", "filled"}

// Close detaches the segment (shmdt). The FIFO stays for others.
func (f *Fifo) Close() error {
	if f.mem == nil {
		return nil
	}
	if f.SPSC {
		f.release()
	}
	err := unix.SysvShmDetach(f.mem)
	f.mem = nil
	return cli.Sys("detach FIFO key "+KeyString(f.Key), "shmdt", err)
}

// Status is what `shmfifo stat` prints: the header as it is now and the
// value of each semaphore (semctl GETVAL), read without taking the mutex.
type Status struct {
	Blksize, Blocks, RdIndex, WrIndex uint32
	SegSize, Nattch                   int
	Mutex, Free, Filled               int    // Mutex -1: none (an SPSC ring)
	Waiters                           int    // posix semaphores: waiters registered in the sem_t words
	MutexOwner                        int    // posix: the pid in the mutex's lock word, 0 if none
	MutexOwnerDied                    bool   // posix: the kernel marked the owner dead; nobody took it since
	MutexRecovered                    uint64 // posix: times the mutex was taken from a dead owner
	Head, Tail                        uint64
	Futex                             FutexCalls
}

// Stat reads the header and the semaphores of an open FIFO.
func (f *Fifo) Stat() (Status, error) {
	var s Status
	s.Blksize, s.Blocks = f.field(hBlksize), f.field(hBlocks)
	s.RdIndex, s.WrIndex = f.field(hRdIndex), f.field(hWrIndex)
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(f.ShmID, unix.IPC_STAT, &ds); err != nil {
		return s, cli.Sys("stat FIFO key "+KeyString(f.Key), "shmctl IPC_STAT", err)
	}
	s.SegSize, s.Nattch = int(ds.Segsz), int(ds.Nattch)
	if f.Sync == "posix" {
		return s, f.statPosix(&s)
	}
	for i, p := range []*int{&s.Mutex, &s.Free, &s.Filled} {
		v, err := SemGetVal([]int{f.Mutex, f.Free, f.Filled}[i])
		if err != nil {
			return s, cli.Sys("stat FIFO key "+KeyString(f.Key)+": semaphore "+semName[i], "semctl GETVAL", err)
		}
		*p = v
	}
	return s, nil
}

// Poke writes a header field with no lock and no check: the tool that plays
// the process which scribbles on shared memory (`shmfifo poke`).
func (f *Fifo) Poke(field string, v uint32) error {
	i := map[string]int{"blksize": hBlksize, "blocks": hBlocks, "rd_index": hRdIndex, "wr_index": hWrIndex}
	n, ok := i[field]
	if !ok {
		return cli.Usagef("poke: field %q: want blksize, blocks, rd_index or wr_index", field)
	}
	binary.NativeEndian.PutUint32(f.mem[4*n:], v)
	return nil
}
