//go:build linux && (amd64 || arm64)

// Command posix is chapter 04 of shmlab: POSIX shared memory, shm_open and
// shm_unlink, and named semaphores, sem_open to sem_unlink, written in Go the
// way glibc does them (notes 001 §1.1.3, course ep. 35 and 39, UNP vol. 2
// ch. 2 and 10). Run it with no arguments for the tour; -h lists the
// experiments, and `posix EXPERIMENT -h` the flags of one.
package main

import (
	"fmt"
	"os"

	"shmlab/internal/cli"
)

var program = &cli.Program{
	Name:    "posix",
	Chapter: "04-posix",
	Intro: `Chapter 04: POSIX shared memory (Posix共享内存): memory with a name, which any
process opens, sizes with ftruncate and maps. shm_open is glibc opening a file
in /dev/shm, a tmpfs; this program does it in Go, and sem_open too (step 9).`,
	Experiments: []cli.Experiment{
		{Name: "create", Args: "NAME [-size N] [-excl] [-mode MODE] [-umask MODE]", Notes: "001 §1.1.3.1 O_CREAT, O_EXCL, mode",
			Summary: "shm_open(O_CREAT|O_RDWR) + ftruncate: a file in /dev/shm", Cmd: createCmd, Tour: tourCreate},
		{Name: "write", Args: "NAME [-offset N] [-past-end] [-touch] [-hold] [-ready FILE] TEXT", Notes: "001 §1.1.3.1, course ep. 35",
			Summary: "map by name and store TEXT; it outlives the process", Cmd: writeCmd, Tour: tourWrite},
		{Name: "read", Args: "NAME [-offset N] [-length N]", Notes: "001 §1.1.3.1 O_RDONLY",
			Summary: "open by name read-only, map, print the bytes", Cmd: readCmd},
		{Name: "stat", Args: "NAME", Notes: "001 §1.1.3.1, 001 §1.1",
			Summary: "fstat and fstatfs: size, mode, owner, file system", Cmd: statCmd, Tour: tourStat},
		{Name: "truncate", Args: "NAME [-size N]", Notes: "001 §1.1.3.1",
			Summary: "ftruncate: grow (the last page kept as it is), shrink (SIGBUS under a mapping)", Cmd: truncateCmd, Tour: tourTruncate},
		{Name: "oflags", Args: "NAME", Notes: "001 §1.1.3.1 O_CREAT, O_EXCL, O_TRUNC",
			Summary: "O_CREAT alone, O_EXCL alone, O_TRUNC with each access mode", Cmd: oflagsCmd, Tour: tourOflags},
		{Name: "modes", Args: "NAME", Notes: "001 §1.1.3.1 mode table, UNP2 §2.4",
			Summary: "the permission bits, tried by another process", Cmd: modesCmd, Tour: tourModes},
		{Name: "names", Args: "NAME", Notes: "UNP2 §2.2, 001 §1.1.3.1 name",
			Summary: `glibc's name rules: "/a", "a", "//a" are one object`, Cmd: namesCmd, Tour: tourNames},
		{Name: "counter", Args: "NAME [-procs N] [-iters N | -for D] [-plain | -sem SEM] | NAME -show", Notes: "001 §1.1, course ep. 35",
			Summary: "unrelated processes add to one counter by name, atomically", Cmd: counterCmd, Tour: tourCounter},
		{Name: "sem", Args: semArgs, Notes: "UNP2 ch. 10, course ep. 39",
			Summary: "named semaphores: a sem_t in /dev/shm/sem.NAME, futex wait and wake", Cmd: semCmd, Tour: tourSem},
		{Name: "unlink", Args: "NAME [-watch] [-ready FILE]", Notes: "001 §1.1.3.2",
			Summary: "shm_unlink: the name goes at once, the memory when the last user goes", Cmd: unlinkCmd, Tour: tourUnlink},
		{Name: "mapped", Args: "NAME", Notes: "001 §1.1.3.2",
			Summary: "tool: does the name exist, and how many processes map the object", Cmd: mappedCmd},
	},
}

func main() { cli.Main(program) }

// tourName is a name of the tour's own, unique to this process. The tour
// removes what it creates.
func tourName(tag string) string { return fmt.Sprintf("/shmlab-tour-%d-%s", os.Getpid(), tag) }
