//go:build linux && (amd64 || arm64)

// The sem_t of glibc on 64-bit little-endian Linux, shared by the lesson
// (lab.go) and the exercise (exercise.go).

package main

import (
	"sync/atomic"
	"unsafe"
)

// Sem is a named semaphore opened by SemOpen: the sem_t mapped from its file.
type Sem struct {
	Path string  // /dev/shm/sem.NAME
	Data *uint64 // the sem_t's first word, in the MAP_SHARED mapping
}

// glibc's struct new_sem when it has 64-bit atomics (x86-64, arm64):
//
//	uint64_t data;   // value in the low 32 bits, nwaiters in the high 32
//	int private;     // FUTEX_SHARED (128) for a named semaphore
//	int pad;
//
// and sizeof(sem_t) = 32: the file holds 32 bytes, the rest zero.
const (
	SemSize          = 32
	SemValueMax      = 1<<31 - 1 // SEM_VALUE_MAX, INT_MAX on Linux
	semValueMask     = 1<<32 - 1
	semNwaitersShift = 32
	// semPrivateShared is what glibc stores in `private` for a semaphore
	// shared between processes: FUTEX_PRIVATE_FLAG, which its futex calls
	// XOR away (so that the calls are shared ones).
	semPrivateShared = 128
)

// The futex operations, from <linux/futex.h> (x/sys/unix has SYS_FUTEX but
// not these). Without FUTEX_PRIVATE_FLAG (128) they are the shared kind,
// keyed on the page of the file, which every process's mapping reaches.
const (
	FUTEX_WAIT = 0 // sleep while *addr == val
	FUTEX_WAKE = 1 // wake up to val sleepers on addr
)

// semValueWord is the 32-bit half of the word that holds the value, the
// futex word: on a little-endian machine, the first 4 bytes.
func semValueWord(s *Sem) *uint32 { return (*uint32)(unsafe.Pointer(s.Data)) }

// semWaiters is the number of processes counted as waiting (the high half
// of the word). glibc has no call for it; `sem value` shows it to explain
// the algorithm.
func semWaiters(s *Sem) uint32 { return uint32(atomic.LoadUint64(s.Data) >> semNwaitersShift) }

// semPrivate is the `private` field of the sem_t.
func semPrivate(s *Sem) int32 {
	return atomic.LoadInt32((*int32)(unsafe.Add(unsafe.Pointer(s.Data), 8)))
}
