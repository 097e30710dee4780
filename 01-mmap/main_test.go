//go:build linux && (amd64 || arm64)

package main

import (
	"testing"

	"shmlab/internal/scripttest"
)

// TestMain registers this chapter's program as the command `mmap` of the
// scenarios, next to the helpers (`unpriv`).
func TestMain(m *testing.M) {
	scripttest.Main(m, map[string]func(){"mmap": main})
}

// TestScripts runs the graded scenarios and prints the grade line.
func TestScripts(t *testing.T) { scripttest.Graded(t, "01-mmap") }

// TestCLI runs the scenarios about the command line alone (not graded).
func TestCLI(t *testing.T) { scripttest.Ungraded(t) }

// TestDeclarations checks that every experiment's usage line shows the
// flags it declares, and only those.
func TestDeclarations(t *testing.T) { scripttest.CheckProgram(t, program) }

// TestREADME checks that the README shows what -h and the tour really print,
// run as root and as an unprivileged user. Only the values of the facts
// named here may differ: the uid and its memlock limit; addresses; how the
// machine mounts /dev/shm (noexec or not) and what that allows; the
// filesystem of the temporary directory (disk or tmpfs) and its dirty
// counters; page faults (the kernel maps several pages per fault); the C
// library's name.
func TestREADME(t *testing.T) {
	scripttest.CheckHelp(t, "mmap", "README.md")
	scripttest.CheckTour(t, "mmap", "README.md", "RLIMIT_MEMLOCK", "uid", "mapped by this program already",
		"address given", "address returned",
		"mounted noexec", "mmap PROT_READ|PROT_EXEC", "perms in /proc/self/maps with PROT_EXEC",
		"mprotect PROT_READ to PROT_READ|PROT_EXEC",
		"filesystem", "dirty at the start", "dirty after fsync, mapped again",
		"mapping: page faults while reading it", "library mapped r-xp in each")
}
