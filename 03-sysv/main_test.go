//go:build linux && (amd64 || arm64)

package main

import (
	"testing"

	"shmlab/internal/scripttest"
)

// TestMain registers this chapter's program as the command `sysv` of the
// scenarios, next to the helpers (`unpriv`, and `userns` where it works).
func TestMain(m *testing.M) {
	scripttest.Main(m, commands())
}

// TestScripts runs the graded scenarios and prints the grade line.
func TestScripts(t *testing.T) { scripttest.Graded(t, "03-sysv") }

// TestCLI runs the scenarios about the command line alone (not graded).
func TestCLI(t *testing.T) { scripttest.Ungraded(t) }

// TestDeclarations checks that every usage line shows the flags its
// experiment declares, and only those.
func TestDeclarations(t *testing.T) { scripttest.CheckProgram(t, program) }

// TestREADME checks that the README shows what -h and the tour really print.
func TestREADME(t *testing.T) {
	scripttest.CheckHelp(t, "sysv", "README.md")
	scripttest.CheckTour(t, "sysv", "README.md",
		"shmid", "key", "uid", "gid", "cuid", "cgid", "cpid", "lpid", "atime", "dtime", "ctime", "maps",
		"files made", "file a", "file b", "inode a", "inode b", "key a", "key b")
}
