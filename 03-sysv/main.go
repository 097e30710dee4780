//go:build linux && (amd64 || arm64)

// Command sysv is chapter 03 of shmlab: System V shared memory (ftok,
// shmget, shmat, shmdt, shmctl) as the kernel really does it (notes 001
// §1.1.2, course ep. 29, UNP vol. 2 ch. 3). Run it with no arguments for the
// tour; -h lists the experiments, EXPERIMENT -h the flags of one.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"shmlab/internal/cli"
)

// keyArgs is the synopsis of the flags that name an existing segment.
const keyArgs = "(-key K | -path FILE [-id N] | -shmid ID)"

var program = &cli.Program{
	Name:    "sysv",
	Chapter: "03-sysv",
	Hints:   hints,
	Intro: `Chapter 03: System V shared memory (系统V共享内存). A segment is a kernel
object named by a key (键值) and an id; it lives until it is removed, whether
or not any process has it attached. Each step below makes the calls of notes
001 §1.1.2 (ftok, shmget, shmat, shmdt, shmctl) and prints what the kernel did.`,
	Experiments: []cli.Experiment{
		{Name: "ftok", Args: "PATH [-id N]", Notes: "001 §1.1.2.1, UNP2 3.2",
			Summary: "a key from a file: only 8+8+16 bits of id, device and inode", Cmd: ftokCmd, Tour: tourFtok},
		{Name: "collide", Args: "DIR [-id N] [-ready FILE]", Notes: "001 §1.1.2.1, UNP2 3.2",
			Summary: "two files, not links, with one key (made in DIR)", Cmd: collideCmd, Tour: tourCollide},
		{Name: "create", Args: "(-key K | -path FILE [-id N] | -private) -size N [-mode MODE] [-excl] [-nocreat] [-hugetlb]", Notes: "001 §1.1.2.2, UNP2 3.4",
			Summary: "shmget: IPC_CREAT, IPC_EXCL, IPC_PRIVATE, the mode bits, and 04000 (SHM_HUGETLB)", Cmd: createCmd, Tour: tourCreate},
		{Name: "write", Args: keyArgs + " [-offset N] TEXT", Notes: "001 §1.1.2.3-1.1.2.4",
			Summary: "tool: shmat, copy TEXT in at -offset, shmdt", Cmd: writeCmd},
		{Name: "read", Args: keyArgs + " [-offset N] [-length N]", Notes: "001 §1.1.2.3-1.1.2.4",
			Summary: "tool: shmat read-only, print the bytes at -offset, shmdt", Cmd: readCmd},
		{Name: "persist", Args: "", Notes: "001 §1.1, §1.1.2.4, UNP2 1.3",
			Summary: "kernel persistence: what an exited process wrote stays", Cmd: persistCmd, Tour: tourPersist},
		{Name: "ns", Args: "", Notes: "001 §1.1, UNP2 1.3",
			Summary: "besides IPC_RMID: the end of its IPC namespace, kernel.shm_rmid_forced", Cmd: nsCmd, Tour: tourNs},
		{Name: "attach", Args: keyArgs + " [-rdonly] [-hold] [-ready FILE] [-put TEXT]", Notes: "001 §1.1, §1.1.2.3",
			Summary: "shmat: nattch, the /SYSV mapping, SHM_RDONLY and its SIGSEGV", Cmd: attachCmd, Tour: tourAttach},
		{Name: "detach", Args: "", Notes: "001 §1.1.2.4",
			Summary: "shmdt: EINVAL twice, SIGSEGV after; fork shares an attach, exec and exit drop it", Cmd: detachCmd, Tour: tourDetach},
		{Name: "stat", Args: keyArgs, Notes: "001 §1.1.2.5 IPC_STAT, UNP2 3.3",
			Summary: "shmctl IPC_STAT: the kernel's shmid_ds of a segment", Cmd: statCmd, Tour: tourStat},
		{Name: "set", Args: keyArgs + " [-mode MODE] [-uid N] [-gid N]", Notes: "001 §1.1.2.5 IPC_SET, UNP2 3.5",
			Summary: "shmctl IPC_SET: owner and mode, nothing else; only owner, creator or root may", Cmd: setCmd},
		{Name: "perm", Args: "[-hold] [-ready FILE]", Notes: "001 §1.1.2.2 mode bits, UNP2 3.5",
			Summary: "shmget and shmat check the bits of the caller's class: the owner's bind the owner", Cmd: permCmd, Tour: tourPerm},
		{Name: "rm", Args: keyArgs, Notes: "001 §1.1.2.5 IPC_RMID, UNP2 3.6",
			Summary: "shmctl IPC_RMID: the key goes at once, the memory at the last detach", Cmd: rmCmd, Tour: tourRm},
		{Name: "limits", Args: "", Notes: "UNP2 3.8",
			Summary: "IPC_INFO: SHMMAX, SHMMIN, SHMMNI, SHMSEG, SHMALL", Cmd: limitsCmd, Tour: tourLimits},
	},
}

func main() {
	// A reader that stops early (sysv perm | head -1) makes writes fail
	// with EPIPE instead of killing the program before it removes what it
	// made: it finishes, and cleans up as usual.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	roleMain() // a child of this program in one of its roles runs it and exits
	cli.Main(program)
}
