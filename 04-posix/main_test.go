//go:build linux && (amd64 || arm64)

package main

import (
	"testing"

	"shmlab/internal/scripttest"
)

// TestMain registers this chapter's program as the command `posix` of the
// scenarios, next to the helpers (`unpriv`).
func TestMain(m *testing.M) {
	scripttest.Main(m, map[string]func(){"posix": main})
}

// TestScripts runs the graded scenarios and prints the grade line.
func TestScripts(t *testing.T) { scripttest.Graded(t, "04-posix") }

// TestCLI runs the scenarios about the command line alone (not graded).
func TestCLI(t *testing.T) { scripttest.Ungraded(t) }

// TestDeclarations checks that every experiment's synopsis shows exactly
// the flags it declares.
func TestDeclarations(t *testing.T) { scripttest.CheckProgram(t, program) }

// TestREADME checks that the README shows what -h and the tour really
// print. The facts named here depend on the run (the tour names its objects
// after its pid; lost updates depend on timing) or on who runs it (the
// umask, the ids, and what the permission bits give the other side, which
// is uid 65534 under root and the owner otherwise; and whether /dev/shm is
// mounted noexec, which decides PROT_EXEC).
func TestREADME(t *testing.T) {
	scripttest.CheckHelp(t, "posix", "README.md")
	scripttest.CheckTour(t, "posix", "README.md", "NAME", "path", "umask", "uid", "gid", "plain adds, counter",
		"other side", "0600 object", "0640 object", "0644 object", "0400 object",
		"the other side's shm_unlink of the 0600 object",
		"/dev/shm mounted noexec", "0644 object, mmap PROT_READ|PROT_EXEC", "0755 object, mmap PROT_READ|PROT_EXEC")
}
