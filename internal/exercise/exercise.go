//go:build linux && (amd64 || arm64)

// Package exercise holds what the exercise stubs of every chapter share:
// the sentinel error a stub returns, and the message that names the notes
// section the learner should read.
package exercise

import (
	"errors"
	"fmt"
)

// ErrExercise is wrapped by every error a stub returns, so that the CLI can
// tell "not implemented yet" apart from a real failure of the kernel.
var ErrExercise = errors.New("exercise not done")

// TodoError is what a stub returns (or panics with, where the function has no
// error result). It names the function, the notes section and a hint.
type TodoError struct {
	Func  string // the function to implement, e.g. "MapFile"
	Notes string // the notes section, e.g. "1.1.1.1"
	Hint  string // which system call to use and how
}

func (e *TodoError) Error() string {
	return fmt.Sprintf("exercise not done: %s (notes %s): %s", e.Func, e.Notes, e.Hint)
}

// Unwrap makes errors.Is(err, ErrExercise) true.
func (e *TodoError) Unwrap() error { return ErrExercise }

// Todo builds the error a stub returns.
func Todo(fn, notes, hint string) error {
	return &TodoError{Func: fn, Notes: notes, Hint: hint}
}

// Hint is the help a learner can ask for on one lesson function, in levels
// that give away more and more: `PROG hint FUNC -level N` prints levels 1 to
// N. A stub says only the goal; the hints say the rest, never the code
// itself, and cover everything the grading checks (which errno, which flag).
type Hint struct {
	Func  string // the lesson function: "Ftok"
	Notes string // the notes section: "001 §1.1.2.1"
	Man   string // the man pages to read: "ftok(3), stat(2)"
	// Levels: 1 the concept, 2 the call and its flags, 3 the shape of the
	// code (the steps, in order).
	Levels [3]string
	// Zh is the same in Chinese, shown with -lang zh or a LANG starting
	// with zh; a level left empty falls back to English.
	Zh [3]string
}
