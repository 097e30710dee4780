//go:build linux && (amd64 || arm64)

// Command posix is chapter 04 of shmlab: POSIX shared memory, shm_open and
// shm_unlink, and named semaphores, sem_open to sem_unlink, written in Go the
// way glibc does them (notes 001 §1.1.3, course ep. 35 and 39, UNP vol. 2
// ch. 2 and 10). Run it with no arguments for the tour; -h lists the
// experiments.
package main

import "shmlab/internal/cli"

var program = &cli.Program{
	Name:    "posix",
	Chapter: "04-posix",
	Intro: `Chapter 04: POSIX shared memory (Posix共享内存). shm_open gives a name to a
piece of memory; any process that knows the name opens it, sizes it with
ftruncate and maps it with mmap. shm_open is not a system call: it is glibc
opening a file in /dev/shm, a tmpfs, and this chapter writes it in Go the same
way. Each step below makes the calls of notes 001 §1.1.3 and prints what the
kernel did; step 9 does the same for named semaphores (UNP2 ch. 10), files in
/dev/shm too, that wait and wake with the futex system call.`,
	Experiments: []cli.Experiment{
		{Name: "create", Args: "NAME SIZE [-excl] [-mode 0600] [-umask 022]", Notes: "001 §1.1.3.1 O_CREAT, O_EXCL, mode",
			Summary: "shm_open(O_CREAT|O_RDWR) + ftruncate: a file in /dev/shm", Run: runCreate, Tour: tourCreate},
		{Name: "write", Args: "NAME [-offset N] TEXT", Notes: "001 §1.1.3.1, course ep. 35",
			Summary: "open by name, map, store TEXT; it stays after the process exits", Run: runWrite, Tour: tourWrite},
		{Name: "read", Args: "NAME [-offset N] [-length N]", Notes: "001 §1.1.3.1 O_RDONLY",
			Summary: "open by name read-only, map, print the bytes", Run: runRead},
		{Name: "stat", Args: "NAME", Notes: "001 §1.1.3.1, 001 §1.1",
			Summary: "fstat: size, mode, owner, and the file system the object lives on", Run: runStat, Tour: tourStat},
		{Name: "truncate", Args: "NAME SIZE", Notes: "001 §1.1.3.1",
			Summary: "ftruncate: growing adds zeros, shrinking under a mapping gives SIGBUS", Run: runTruncate, Tour: tourTruncate},
		{Name: "oflags", Args: "NAME", Notes: "001 §1.1.3.1 O_CREAT, O_EXCL, O_TRUNC",
			Summary: "the open flags: O_CREAT alone, O_EXCL alone, O_TRUNC with each access mode", Run: runOflags, Tour: tourOflags},
		{Name: "modes", Args: "NAME", Notes: "001 §1.1.3.1 mode table, UNP2 §2.4",
			Summary: "the permission table made real, tried by another user", Run: runModes, Tour: tourModes},
		{Name: "names", Args: "NAME", Notes: "UNP2 §2.2, 001 §1.1.3.1 name",
			Summary: `the name rules: "/a", "a", "//a" are one object; what is refused and why`, Run: runNames, Tour: tourNames},
		{Name: "counter", Args: "NAME [-procs N] [-iters K] [-plain | -sem SEMNAME] | NAME -show", Notes: "001 §1.1, course ep. 35",
			Summary: "unrelated processes add to one counter by name, atomically", Run: runCounter, Tour: tourCounter},
		{Name: "sem", Args: semUsage, Notes: "UNP2 ch. 10, course ep. 39",
			Summary: "named semaphores: glibc's sem_t in /dev/shm/sem.NAME, futex wait and wake", Run: runSem, Tour: tourSem},
		{Name: "unlink", Args: "NAME [-watch] [-ready FILE]", Notes: "001 §1.1.3.2",
			Summary: "shm_unlink: the name goes at once, the memory when the last user goes", Run: runUnlink, Tour: tourUnlink},
		{Name: "hold", Args: "NAME [-ready FILE] [-touch]", Notes: "001 §1.1.3.2",
			Summary: "tool: keep NAME open and mapped until SIGINT, then read and write it", Run: runHold},
		{Name: "mapped", Args: "NAME", Notes: "001 §1.1.3.2",
			Summary: "tool: does the name exist, and how many processes map the object", Run: runMapped},
	},
}

func main() { cli.Main(program) }
