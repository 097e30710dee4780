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
