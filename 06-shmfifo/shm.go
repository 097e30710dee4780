//go:build linux && (amd64 || arm64)

// The FIFO's shared memory, given to you in both builds: chapter 03 is where
// ftok/shmget/shmat/shmctl are the exercise. Here they are a few lines
// written again (not imported, so that each chapter reads on its own), plus
// the checks every reader of shared memory needs: the header is input that
// any process with write access may have scribbled on.

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
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

// semaphore is what Put and Get need of a counting semaphore: P (Wait) and
// V (Post). SysvSem (sem.go) and the futex semaphore Sem (lab_fast.go) both
// are one. Wait takes a timeout as every wait here does: negative waits for
// ever, 0 does not wait, more gives up after that long.
type semaphore interface {
	Wait(timeout time.Duration) error
	Post() error
}

// locker is what Put and Get need of the mutex: a SysvSem with SEM_UNDO, or
// the robust futex mutex of a -sync posix FIFO (robustLock, syncarea.go).
type locker interface {
	Lock(timeout time.Duration) error
	Unlock() error
}

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
	// segment, see syncarea.go; the three ids are -1). SPSC is a posix FIFO
	// that is a lock-free single-producer/single-consumer ring.
	Sync string
	SPSC bool
	// What Put and Get wait on and post: the three System V sets
	// (bindSysv), or the futex mutex and semaphores of the sync area.
	mutex        locker
	free, filled semaphore
	mem          []byte // the whole segment
	sync         int    // offset of the sync area (posix mode)
	// The sync area's objects themselves (posix mode, not SPSC).
	robust                 *Mutex
	futexFree, futexFilled *Sem
	// checkCounts makes Put and Get compare the semaphores with the ring
	// when rd_index = wr_index (index, countsAgree): set by the programs
	// (openFifo), not by bench, which times the course's algorithm alone.
	checkCounts bool
	// This process's view of an SPSC ring: its claims (producer, consumer)
	// and the other side's counter as last seen. tail and head only grow,
	// so an old value only makes the ring look fuller or emptier than it
	// is: it is read again only when it says "wait".
	claimed            [2]bool
	seenTail, seenHead uint64
	// A loan in progress (lab_fast.go): the block RingReserve handed out
	// until RingCommit (its head), the block RingPeek handed out until
	// RingRelease (its tail).
	reserved, peeked bool
	loanHead         uint64
	loanTail         uint64
	// SpinMax is the longest a ring wait spins before it sleeps in
	// FUTEX_WAIT (ringwait.go): 0 adapts to the recent waits (at most
	// DefaultSpinMax), a negative value never spins.
	SpinMax   time.Duration
	spinAdapt [2]time.Duration // per side: the adaptive spin limit (SpinMax 0), ringwait.go
	slipRest  int              // waits left before the consumer tries to slip again (ringwait.go)
}

// ErrCorrupt is wrapped by every error about a header that does not make
// sense: a FIFO whose memory another process has scribbled on.
var ErrCorrupt = errors.New("corrupt FIFO header")

// ErrInconsistent is wrapped by the error of a put or get whose semaphores
// deny what the ring holds: a count raised by another process (semctl
// SETVAL, a stray V) would hand out a block never written, or overwrite
// one not yet taken.
var ErrInconsistent = errors.New("FIFO inconsistent")

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
	if f.checkCounts && f.field(hRdIndex+hWrIndex-i) == v {
		return int(v), f.countsAgree(i)
	}
	return int(v), nil
}

// countsAgree is asked by a get (i = hRdIndex) or a put (hWrIndex) that
// holds the mutex and a token of its semaphore and finds rd_index =
// wr_index: the ring is full or empty, and the counts say which. With free
// F, filled G, blocks N, and the processes inside put or get, F counts
// empty blocks and G written ones, less those held or in flight; so a full
// ring has F = 0 and an empty one G = 0, at every instant while the mutex
// is held (a process killed anywhere only lowers a count for good). A get
// needs a full ring, a put an empty one: a token the other count denies
// was made by hand, and taking it would deliver an unwritten block (or
// overwrite an unread one). Counts above N are refused as well.
func (f *Fifo) countsAgree(i int) error {
	free, filled, err := f.counts()
	if err != nil {
		return err
	}
	if free > f.Blocks || filled > f.Blocks || free+filled > f.Blocks ||
		(i == hRdIndex && free > 0) || (i == hWrIndex && filled > 0) {
		verb := map[bool]string{true: "a get", false: "a put"}[i == hRdIndex]
		return fmt.Errorf("key %s: %w: free %d, filled %d, blocks %d, rd_index = wr_index = %d: %s got a block the counts deny (a semaphore raised by hand: semctl SETVAL?)",
			KeyString(f.Key), ErrInconsistent, free, filled, f.Blocks, f.field(i), verb)
	}
	return nil
}

// counts reads free and filled without taking them: semctl GETVAL on the
// course's sets, the value of each sem_t of a posix FIFO.
func (f *Fifo) counts() (free, filled int, err error) {
	if f.Sync == "posix" {
		return int(f.futexFree.Value()), int(f.futexFilled.Value()), nil
	}
	if free, err = SemGetVal(f.Free); err == nil {
		filled, err = SemGetVal(f.Filled)
	}
	return free, filled, err
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
// one semaphore. Without those three sets it is a -sync posix FIFO if its
// sync area says so and agrees with the header and the segment size.
//
// Errors: shmget ENOENT (no FIFO at key), shmat EACCES (its mode does not
// let us in: shmget(key, 0, 0) asks for no access, so it checks none),
// semget ENOENT (the segment without its sets), ErrCorrupt (a header that
// does not fit the segment, a sync area that does not agree).
func Open(key int) (*Fifo, error) {
	id, err := unix.SysvShmGet(key, 0, 0)
	if err != nil {
		return nil, os.NewSyscallError("shmget", err)
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

// attach maps segment id and checks its header.
func attach(key, id int) (*Fifo, error) {
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, os.NewSyscallError("shmat", err)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem, Sync: "sysv"}
	if len(mem) < HeaderSize {
		f.Close()
		return nil, fmt.Errorf("key %s: %w: the segment has %d bytes, less than a header", KeyString(key), ErrCorrupt, len(mem))
	}
	bs, n := f.field(hBlksize), f.field(hBlocks)
	// The kind: the course's three sets at key make it a sysv FIFO whatever
	// its bytes say (a message may hold the magic word where a posix FIFO
	// keeps it); only without them is the sync area looked at, and then it
	// must agree with the header and the segment size (attachPosix).
	off, mode, posix := 0, 0, false
	if !sysvSets(key) {
		off, mode, posix = syncArea(mem)
	}
	room, where := len(mem), ""
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

// sysvSets reports whether the three one-semaphore sets of a course FIFO
// are at key, key+1 and key+2. They, not the segment's bytes, say which
// kind of FIFO is at key: whoever may put a message writes bytes of the
// segment, but only a process that makes semaphore sets makes these. A set
// whose size cannot be read (IPC_STAT: EACCES) counts; Open then says why.
func sysvSets(key int) bool {
	for i := range 3 {
		id, err := Semget(key+i, 0, 0)
		if err != nil {
			return false
		}
		if n, err := SemNsems(id); err == nil && n != 1 {
			return false
		}
	}
	return true
}

// openSems finds the three sets at Key, Key+1 and Key+2, checks that each
// holds one semaphore, and binds them for Put and Get.
func (f *Fifo) openSems() error {
	for i, p := range []*int{&f.Mutex, &f.Free, &f.Filled} {
		id, err := Semget(f.Key+i, 0, 0)
		if err != nil {
			return err
		}
		n, err := SemNsems(id)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("key %s: %w: the set at key %s has %d semaphores, a FIFO's have 1",
				KeyString(f.Key), ErrCorrupt, KeyString(f.Key+i), n)
		}
		*p = id
	}
	f.bindSysv()
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
	if err != nil {
		return os.NewSyscallError("shmdt", err)
	}
	return nil
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
	// Who waits where: sysv, semctl GETNCNT on each set; posix, the
	// waiters counted in each sem_t (Waiting[0], the mutex, is -1: a
	// futex lock word only flags that someone waits, MutexWaiters).
	Waiting      [3]int // mutex, free, filled
	MutexWaiters bool   // posix: FUTEX_WAITERS is set in the lock word
	// SPSC: the side's "I sleep" flag is up.
	ProdWaiting, ConsWaiting bool
	// The permission bits the kernel keeps: the segment's, and (sysv) each
	// set's (mutex, free, filled).
	Mode     uint32
	SemModes [3]uint32
}

// Stat reads the header and the semaphores of an open FIFO.
func (f *Fifo) Stat() (Status, error) {
	var s Status
	s.Blksize, s.Blocks = f.field(hBlksize), f.field(hBlocks)
	s.RdIndex, s.WrIndex = f.field(hRdIndex), f.field(hWrIndex)
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(f.ShmID, unix.IPC_STAT, &ds); err != nil {
		return s, os.NewSyscallError("shmctl IPC_STAT", err)
	}
	s.SegSize, s.Nattch, s.Mode = int(ds.Segsz), int(ds.Nattch), uint32(ds.Perm.Mode)&0o777
	if f.Sync == "posix" {
		return s, f.statPosix(&s)
	}
	for i, id := range []int{f.Mutex, f.Free, f.Filled} {
		v, err := SemGetVal(id)
		if err != nil {
			return s, err
		}
		*[]*int{&s.Mutex, &s.Free, &s.Filled}[i] = v
		if s.Waiting[i], err = semWaiting(id); err != nil {
			return s, err
		}
		if s.SemModes[i], err = semMode(id); err != nil {
			return s, err
		}
	}
	return s, nil
}

// headerFields names the header's fields, for Poke.
var headerFields = map[string]int{"blksize": hBlksize, "blocks": hBlocks, "rd_index": hRdIndex, "wr_index": hWrIndex}

// Poke writes a header field with no lock and no check: the tool that plays
// the process which scribbles on shared memory (`shmfifo poke`).
func (f *Fifo) Poke(field string, v uint32) error {
	n, ok := headerFields[field]
	if !ok {
		return fmt.Errorf("no header field %q", field)
	}
	binary.NativeEndian.PutUint32(f.mem[4*n:], v)
	return nil
}

// attachUnchecked attaches the segment at key with none of Open's checks
// (they would refuse a header already scribbled on): for Poke.
func attachUnchecked(key int) (*Fifo, error) {
	id, err := unix.SysvShmGet(key, 0, 0)
	if err != nil {
		return nil, os.NewSyscallError("shmget", err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, os.NewSyscallError("shmat", err)
	}
	f := &Fifo{Key: key, ShmID: id, mem: mem}
	if len(mem) < HeaderSize {
		f.Close()
		return nil, fmt.Errorf("key %s: %w: the segment has %d bytes, less than a header", KeyString(key), ErrCorrupt, len(mem))
	}
	return f, nil
}

// Send puts msg into the FIFO, the way its mode says: the SPSC ring has an
// algorithm of its own (RingPut, lab_fast.go) and a single producer (claim);
// every other FIFO is the course's, Put, over its semaphores.
func (f *Fifo) Send(msg []byte, timeout time.Duration) error {
	if !f.SPSC {
		return f.Put(msg, timeout)
	}
	if err := f.claim(offProd, "producer"); err != nil {
		return err
	}
	return f.RingPut(msg, timeout)
}

// Receive takes the oldest message into dst (Blksize bytes), as Send puts.
func (f *Fifo) Receive(dst []byte, timeout time.Duration) error {
	if !f.SPSC {
		return f.Get(dst, timeout)
	}
	if err := f.claim(offCons, "consumer"); err != nil {
		return err
	}
	return f.RingGet(dst, timeout)
}

// remaining is what is left of timeout since start, in the convention of
// every wait here: negative (for ever) and 0 (no wait) stay as they are, a
// timeout that has run out is 1ns, never 0 or negative.
func remaining(start time.Time, timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return timeout
	}
	return max(timeout-time.Since(start), 1)
}

// Ftok is glibc's ftok(3): the low 8 bits of id, the low 8 bits of the
// file's device number and the low 16 bits of its inode number. Different
// files can give the same key; a FIFO needs key+1 and key+2 free as well.
// Errors: those of stat(2) on path.
func Ftok(path string, id int) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, os.NewSyscallError("stat", err)
	}
	k := uint32(id&0xff)<<24 | uint32(st.Dev&0xff)<<16 | uint32(st.Ino&0xffff)
	return int(int32(k)), nil
}
