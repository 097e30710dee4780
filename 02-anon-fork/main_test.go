//go:build linux && (amd64 || arm64)

package main

import (
	"testing"

	"shmlab/internal/scripttest"
)

// TestMain registers this chapter's program as the command `anonfork` of the
// scenarios, next to the helpers (`unpriv`).
func TestMain(m *testing.M) {
	scripttest.Main(m, map[string]func(){"anonfork": main})
}

// TestScripts runs the graded scenarios and prints the grade line.
func TestScripts(t *testing.T) { scripttest.Graded(t, "02-anon-fork") }

// TestCLI runs the scenarios about the command line alone (not graded).
func TestCLI(t *testing.T) { scripttest.Ungraded(t) }

// TestREADME checks that the README shows what the tour really prints.
func TestREADME(t *testing.T) {
	scripttest.CheckHelp(t, "anonfork", "README.md")
	scripttest.CheckTour(t, "anonfork", "README.md")
}

// TestDeclarations checks that every experiment's usage line shows exactly
// the flags it declares.
func TestDeclarations(t *testing.T) { scripttest.CheckProgram(t, program) }
