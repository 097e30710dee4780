//go:build linux && (amd64 || arm64)

// Command synclock is chapter 05 of shmlab: msync and the mlock family as
// the kernel really does them (notes 001 §1.1.1.4-1.1.1.5, course ep. 28),
// each effect shown in the kernel's own counters. Run it with no arguments
// for the tour; -h lists the experiments.
package main

import "shmlab/internal/cli"

var program = &cli.Program{
	Name:    "synclock",
	Chapter: "05-sync-lock",
	Intro: `Chapter 05: msync (同步) and mlock (锁定). msync is about getting the dirty
pages of a file mapping to the storage; the mlock family keeps pages in RAM.
Neither is taken on faith here: each step prints what /proc/self/smaps
(Shared_Dirty, Private_Dirty, Locked) and /proc/self/status (VmLck) say
before and after the call, per notes 001 §1.1.1.4 and §1.1.1.5.`,
	Experiments: []cli.Experiment{
		{Name: "msync", Args: "[-keep] FILE [TEXT]", Notes: "001 §1.1.1, §1.1.1.4 MS_SYNC; ep. 28",
			Summary: "read() sees a write before msync; MS_SYNC cleans the dirty page (not on tmpfs)", Cmd: msyncCmd, Tour: tourMsync},
		{Name: "msync-async", Args: "[-keep] FILE [TEXT]", Notes: "001 §1.1.1.4 MS_ASYNC",
			Summary: "MS_ASYNC starts no write on Linux: the page stays dirty", Cmd: msyncAsyncCmd, Tour: tourMsyncAsync},
		{Name: "msync-flags", Notes: "001 §1.1.1.4",
			Summary: "EINVAL for MS_SYNC|MS_ASYNC, unaligned or unknown flags; ENOMEM for a hole", Cmd: msyncFlagsCmd, Tour: tourMsyncFlags},
		{Name: "invalidate", Args: "[-keep] FILE", Notes: "001 §1.1.1.4 MS_INVALIDATE",
			Summary: "MS_INVALIDATE cancels no write; EBUSY on a locked mapping", Cmd: invalidateCmd, Tour: tourInvalidate},
		{Name: "mlock", Args: "[-size N]", Notes: "001 §1.1.1.5 point 1, §1.1.1.1 MAP_LOCKED",
			Summary: "VmLck and Locked grow with mlock; locks do not nest; partial munlock splits", Cmd: mlockCmd, Tour: tourMlock},
		{Name: "round", Notes: "001 §1.1.1.5, §1.1.1 point 1",
			Summary: "mlock of 1 byte locks a whole page", Cmd: roundCmd, Tour: tourRound},
		{Name: "lockfile", Args: "[-unlock] [-hold] [-ready FILE] FILE", Notes: "001 §1.1.1.5 point 2",
			Summary: "a lock is per process: another process's munlock leaves ours", Cmd: lockfileCmd, Tour: tourLockfile},
		{Name: "mlockall", Args: "[-size N] [-limit N]", Notes: "001 §1.1.1.5 MCL_CURRENT, MCL_FUTURE",
			Summary: "MCL_CURRENT locks what is mapped now, MCL_FUTURE only what comes later", Cmd: mlockallCmd, Tour: tourMlockall},
		{Name: "limit", Args: "[-limit N] [-size N]", Notes: "001 §1.1.1.5, §1.1.1.1 MAP_LOCKED",
			Summary: "RLIMIT_MEMLOCK: ENOMEM, EAGAIN, EPERM unprivileged; root is exempt", Cmd: limitCmd, Tour: tourLimit},
	},
}

func main() { cli.Main(program) }
