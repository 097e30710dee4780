//go:build linux && (amd64 || arm64)

// Command shmfifo is chapter 06 of shmlab: System V semaphores and the
// course's shmfifo, a producer/consumer ring in System V shared memory
// (course ep. 30-33), measured against pipes, sockets and message queues
// (ep. 28; notes 001 §1.1). Run it with no arguments for the tour; -h lists
// the experiments.
package main

import (
	"os"

	"shmlab/internal/cli"
)

var program = &cli.Program{
	Name:    "shmfifo",
	Chapter: "06-shmfifo",
	Intro: `Chapter 06: a FIFO in shared memory (共享内存 + 信号量). Shared memory moves no
data by itself and has no notion of "wait until there is something": the
course's shmfifo adds three System V semaphores (信号量) to a ring of blocks in
one segment, and producers and consumers in separate processes take turns
through them (生产者消费者问题). Each step starts real processes.`,
	Hints: hints,
	Experiments: []cli.Experiment{
		{Name: "demo", Args: "[-hold] [-ready FILE]", Notes: "course ep. 33",
			Summary: "a producer and a consumer process pass messages through a shmfifo", Cmd: demoCmd, Tour: tourDemo},
		{Name: "lock", Args: "(-key K | -path FILE [-id N] | KEY) [-undo=false] [-ready FILE]", Notes: "course ep. 30-31, SEM_UNDO",
			Summary: "take the FIFO's mutex and hold it until killed: SEM_UNDO gives it back", Cmd: lockCmd, Tour: tourLock},
		{Name: "undo", Args: "[-iters N] [-ready FILE]", Notes: "course ep. 30, SEM_UNDO",
			Summary: "why only the mutex has SEM_UNDO: the undo counter overflows (ERANGE)", Cmd: undoCmd, Tour: tourUndo},
		{Name: "fast", Args: "[-hold] [-ready FILE]", Notes: "001 §1.1; futex(2), sem_overview(7)",
			Summary: "the fast path: semaphores as futex words in the segment, no system call unless someone waits", Cmd: fastCmd, Tour: tourFast},
		{Name: "init", Args: "(-key K | -path FILE [-id N] | KEY) -blksize N -blocks N [-mode MODE] [-sync sysv|posix [-ring mpmc|spsc]]", Notes: "course ep. 33 shmfifo_init",
			Summary: "make a FIFO: a segment at KEY, semaphore sets at KEY, KEY+1, KEY+2", Cmd: initCmd},
		{Name: "put", Args: "(-key K | -path FILE [-id N] | KEY) [-timeout D] [-gen N -count N] [-ready FILE] [MSG...]", Notes: "course ep. 33 shmfifo_put",
			Summary: "put each MSG (or each stdin line, or N generated messages) in a block", Cmd: putCmd},
		{Name: "get", Args: "(-key K | -path FILE [-id N] | KEY) [-count N] [-timeout D] [-until MSG] [-verify] [-ready FILE]", Notes: "course ep. 33 shmfifo_get",
			Summary: "take N blocks (0: no limit) and print each up to its first NUL", Cmd: getCmd},
		{Name: "stat", Args: "(-key K | -path FILE [-id N] | KEY) [-until LINE [-timeout D]]", Notes: "course ep. 30, 33",
			Summary: "the header, the semaphores, who waits on them, the modes; -until waits for a line", Cmd: statCmd},
		{Name: "destroy", Args: "(-key K | -path FILE [-id N] | KEY) [-force]", Notes: "course ep. 33 shmfifo_destroy",
			Summary: "remove the segment and the three semaphore sets (a FIFO only, unless -force)", Cmd: destroyCmd},
		{Name: "poke", Args: "(-key K | -path FILE [-id N] | KEY) FIELD VALUE", Notes: "course ep. 33",
			Summary: "tool: scribble on a header field or the mutex word, as a buggy process would", Cmd: pokeCmd},
		{Name: "verify", Args: "[-producers N -count N [-blksize N]] FILE...", Notes: "course ep. 33",
			Summary: "tool: check what consumers printed: torn, duplicated, reordered, missing", Cmd: verifyCmd},
		{Name: "crash", Args: "(-key K | -path FILE [-id N] | KEY) [-kills N] [-count N] [-seed N] [-producers N] [-consumers N] [-timeout D]", Notes: "course ep. 33",
			Summary: "kill -9 producers and consumers at random moments; check what survived", Cmd: crashCmd},
		{Name: "loan", Args: "(-key K | -path FILE [-id N] | KEY) (-put N [-hold-reserved] | -get N [-iters N] | -misuse) [-timeout D] [-spin D] [-ready FILE]", Notes: "001 §1.1, ep. 28", Summary: "zero copy: fill a ring block in place, commit; peek, check it in place, release", Cmd: loanCmd},
		{Name: "bench", Args: "[-sizes LIST] [-time D] [-count N] [-only LIST] [-csv] [-pingpong [-iters N]] [-md FILE] [-ready FILE]", Notes: "course ep. 28, 001 §1.1",
			Summary: "shmfifo (sysv, posix, zero-copy) against a pipe, a socket, message queues and the ceilings", Cmd: benchCmd},
	},
}

func main() {
	if os.Getenv(benchEnv) != "" {
		os.Exit(benchChild())
	}
	cli.Main(program)
}
