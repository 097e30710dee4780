//go:build linux && (amd64 || arm64)

// Command anonfork is chapter 02 of shmlab: anonymous shared memory between a
// parent and its forked child, the Go way to share memory with a new process,
// and the right way for unrelated processes (notes 000 part 4, 001 §1.1.1.1
// MAP_ANONYMOUS, course ep. 22). Run it with no arguments for the tour; -h
// lists the experiments.
package main

import (
	"os"

	"shmlab/internal/cli"
)

var program = &cli.Program{
	Name:    "anonfork",
	Chapter: "02-anon-fork",
	Intro: `Chapter 02: anonymous shared memory (匿名映射) between processes. A mapping made
with MAP_ANONYMOUS has no file and no name; a child created by fork inherits
it, and that is the only way another process gets it. Go has no plain fork, so
the fork step below makes the raw system call and lets the child do nothing but
touch memory. Then the Go way (a memfd handed to a re-executed child), and the
way for unrelated processes (a memfd sent over a UNIX socket).`,
	Experiments: []cli.Experiment{
		{Name: "flags", Args: "", Notes: "001 §1.1.1.1 MAP_ANONYMOUS, 000 part 4",
			Summary: "MAP_ANONYMOUS makes a mapping anonymous; fd -1 alone does not", Cmd: flagsCmd, Tour: tourFlags},
		{Name: "fork", Args: "[-file] [-hold [-ready FILE]]", Notes: "000 part 4, 001 §1.1.1.1 MAP_ANONYMOUS",
			Summary: "a forked child shares MAP_SHARED pages and copies MAP_PRIVATE ones", Cmd: forkCmd, Tour: tourFork},
		{Name: "reexec", Args: "", Notes: "000 part 4, 001 §1.1.1.1 MAP_ANONYMOUS",
			Summary: "the Go way: a memfd handed to a re-executed child; no mapping survives exec", Cmd: reexecCmd, Tour: tourReexec},
		{Name: "counter", Args: "[-procs N] [-iters N] [-atomic] [-lockstep]", Notes: "000 part 4, 001 §1.1",
			Summary: "N forked children add to one shared counter: -lockstep forces lost updates, -atomic prevents them", Cmd: counterCmd, Tour: tourCounter},
		{Name: "unrelated", Args: "serve [-mode MODE] [-memfd-mode MODE] [-ready FILE] [-timeout D] SOCKET | connect [-procfd] [-timeout D] SOCKET | tcp", Notes: "000 part 4, course ep. 22",
			Summary: "unrelated processes: a memfd passed over a UNIX socket (SCM_RIGHTS) or reopened through /proc/PID/fd", Cmd: unrelatedCmd, Tour: tourUnrelated},
		{Name: "devzero", Args: "", Notes: "000 part 4",
			Summary: "/dev/zero mapped MAP_SHARED: anonymous shared memory the old way (UNP2 §12.5)", Cmd: devzeroCmd, Tour: tourDevzero},
	},
	Hints: hints, // hints.go
}

func main() {
	if v, set := os.LookupEnv(envRole); set {
		os.Exit(childMain(v)) // a re-executed child of `reexec` (reexecrole.go)
	}
	cli.Main(program)
}
