//go:build linux && (amd64 || arm64)

// Command sysv is chapter 03 of shmlab: System V shared memory (ftok,
// shmget, shmat, shmdt, shmctl) as the kernel really does it (notes 001
// §1.1.2, course ep. 29, UNP vol. 2 ch. 3). Run it with no arguments for the
// tour; -h lists the experiments.
package main

import "shmlab/internal/cli"

// keyArgs is the usage of the flags that name a segment.
const keyArgs = "(-key K | -path FILE [-id N] | -shmid ID)"

var program = &cli.Program{
	Name:    "sysv",
	Chapter: "03-sysv",
	Intro: `Chapter 03: System V shared memory (系统V共享内存). A segment is a kernel
object named by a key (键值) and an id; it lives until it is removed, whether
or not any process has it attached. Each step below makes the calls of notes
001 §1.1.2 (ftok, shmget, shmat, shmdt, shmctl) and prints what the kernel did.`,
	Experiments: []cli.Experiment{
		{Name: "ftok", Args: "PATH [ID]", Notes: "001 §1.1.2.1, UNP2 3.2",
			Summary: "a key from a file: only 8+8+16 bits of id, device and inode", Run: runFtok, Tour: tourFtok},
		{Name: "collide", Args: "DIR [-id N]", Notes: "001 §1.1.2.1, UNP2 3.2",
			Summary: "two files, not links, with one key: new files in DIR until two inodes agree in 16 bits", Run: runCollide, Tour: tourCollide},
		{Name: "create", Args: "(-key K | -path FILE [-id N] | -private) -size N [-mode 0600] [-excl] [-nocreat] [-nowait]", Notes: "001 §1.1.2.2, UNP2 3.4",
			Summary: "shmget: IPC_CREAT, IPC_EXCL, IPC_PRIVATE and the mode bits", Run: runCreate, Tour: tourCreate},
		{Name: "write", Args: keyArgs + " [-offset N] TEXT", Notes: "001 §1.1.2.3-1.1.2.4",
			Summary: "tool: shmat, copy TEXT in at OFFSET, shmdt", Run: runWrite},
		{Name: "read", Args: keyArgs + " [-offset N] [-length N]", Notes: "001 §1.1.2.3-1.1.2.4",
			Summary: "tool: shmat read-only, print the bytes at OFFSET, shmdt", Run: runRead},
		{Name: "persist", Args: "", Notes: "001 §1.1, §1.1.2.4, UNP2 1.3",
			Summary: "kernel persistence: what an exited process wrote is still there", Run: runPersist, Tour: tourPersist},
		{Name: "attach", Args: keyArgs + " [-rdonly] [-hold] [-ready FILE]", Notes: "001 §1.1, §1.1.2.3",
			Summary: "shmat: nattch, the /SYSV mapping, SHM_RDONLY and its SIGSEGV", Run: runAttach, Tour: tourAttach},
		{Name: "stat", Args: keyArgs, Notes: "001 §1.1.2.5 IPC_STAT, UNP2 3.3",
			Summary: "shmctl IPC_STAT: the kernel's shmid_ds of a segment", Run: runStat, Tour: tourStat},
		{Name: "set", Args: keyArgs + " -mode 0640", Notes: "001 §1.1.2.5 IPC_SET, UNP2 3.5",
			Summary: "shmctl IPC_SET: change the mode; only owner, creator or root may", Run: runSet},
		{Name: "perm", Args: "", Notes: "001 §1.1.2.2 mode bits, UNP2 3.5",
			Summary: "the mode bits decide who may attach, and how", Run: runPerm, Tour: tourPerm},
		{Name: "rm", Args: keyArgs, Notes: "001 §1.1.2.5 IPC_RMID, UNP2 3.6",
			Summary: "shmctl IPC_RMID: the key goes at once, the memory at the last detach", Run: runRm, Tour: tourRm},
		{Name: "limits", Args: "", Notes: "UNP2 3.8",
			Summary: "SHMMAX, SHMMIN, SHMMNI, SHMALL from IPC_INFO and /proc/sys/kernel", Run: runLimits, Tour: tourLimits},
	},
}

func main() { cli.Main(program) }
