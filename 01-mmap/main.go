//go:build linux && (amd64 || arm64)

// Command mmap is chapter 01 of shmlab: mmap, munmap and mprotect as the
// kernel really does them (notes 001 §1.1.1.1-1.1.1.3, 000 part 1, course
// ep. 28). Run it with no arguments for the tour; -h lists the experiments.
package main

import "shmlab/internal/cli"

var program = &cli.Program{
	Name:    "mmap",
	Chapter: "01-mmap",
	Intro: `Chapter 01: mapping memory (内存映射). mmap puts the pages of a file, or of
zero-filled anonymous memory, into the address space of a process; from then on
loads and stores are file I/O and inter-process communication. Each step below
makes the system calls of notes 001 §1.1.1 and prints what the kernel did.`,
	Experiments: []cli.Experiment{
		{Name: "pagesize", Notes: "001 §1.1.1, 000 part 1",
			Summary: "the page size, the unit of every mapping", Cmd: pagesizeCmd, Tour: tourPagesize},
		{Name: "shared", Args: "[-hold] [-ready FILE] FILE [TEXT]", Notes: "001 §1.1.1.1 MAP_SHARED",
			Summary: "a write through a shared mapping is seen by read() at once", Cmd: sharedCmd, Tour: tourShared},
		{Name: "private", Args: "[-hold] [-ready FILE] FILE [TEXT]", Notes: "001 §1.1.1.1 MAP_PRIVATE",
			Summary: "a write through a private mapping stays in this process", Cmd: privateCmd, Tour: tourPrivate},
		{Name: "anon", Args: "[-size N]", Notes: "001 §1.1.1.1 MAP_ANONYMOUS",
			Summary: "anonymous memory: no file, zero-filled, allocated on first touch", Cmd: anonCmd, Tour: tourAnon},
		{Name: "pages", Args: "[-grow] FILE", Notes: "001 §1.1.1 point 1, §1.1.1.1 len, offset",
			Summary: "a 1-byte file maps a whole page; what is written past its end; SIGBUS, SIGSEGV", Cmd: pagesCmd, Tour: tourPages},
		{Name: "addr", Notes: "001 §1.1.1.1 addr",
			Summary: "an address without MAP_FIXED is a hint: rounded to a page, moved if taken", Cmd: addrCmd, Tour: tourAddr},
		{Name: "fixed", Notes: "001 §1.1.1.1 MAP_FIXED",
			Summary: "MAP_FIXED replaces what was there; MAP_FIXED_NOREPLACE refuses", Cmd: fixedCmd, Tour: tourFixed},
		{Name: "locked", Args: "[-size N] [-limit N]", Notes: "001 §1.1.1.1 MAP_LOCKED",
			Summary: "MAP_LOCKED pages are locked in memory, within RLIMIT_MEMLOCK", Cmd: lockedCmd, Tour: tourLocked},
		{Name: "protexec", Args: "FILE", Notes: "001 §1.1.1.1 prot",
			Summary: "PROT_EXEC: no execute bit needed, refused on a noexec mount", Cmd: protexecCmd, Tour: tourProtexec},
		{Name: "protect", Notes: "001 §1.1.1.3",
			Summary: "mprotect: a forbidden access raises SIGSEGV", Cmd: protectCmd, Tour: tourProtect},
		{Name: "unmap", Args: "[FILE]", Notes: "001 §1.1.1.2",
			Summary: "munmap: access after it faults, a hole splits a mapping, exit unmaps all", Cmd: unmapCmd, Tour: tourUnmap},
		{Name: "writeback", Args: "[-keep] FILE", Notes: "001 §1.1.1 point 2, §1.1.1.2",
			Summary: "munmap writes nothing back: the page stays dirty in the page cache", Cmd: writebackCmd, Tour: tourWriteback},
		{Name: "bigfile", Args: "FILE", Notes: "000 part 1",
			Summary: "a big file read by mapping: one mmap, no copy; read() copies it all", Cmd: bigfileCmd, Tour: tourBigfile},
		{Name: "libs", Args: "[-procs N]", Notes: "000 part 1",
			Summary: "a shared library is mapped r-xp into every process: one file, one copy", Cmd: libsCmd, Tour: tourLibs},
		{Name: "write", Args: "[-offset N] FILE TEXT", Notes: "001 §1.1.1.1",
			Summary: "tool: write TEXT into FILE at -offset through a shared mapping", Cmd: writeCmd},
		{Name: "read", Args: "[-offset N] [-length N] FILE", Notes: "001 §1.1.1.1",
			Summary: "tool: print the bytes of FILE at -offset, read through a mapping", Cmd: readCmd},
	},
}

func main() { cli.Main(program) }
