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

// TestREADME checks that the README shows what the tour really prints.
func TestREADME(t *testing.T) {
	scripttest.CheckTour(t, "posix", "README.md", "NAME", "path", "umask", "uid", "gid", "other side", "plain adds, counter")
}
