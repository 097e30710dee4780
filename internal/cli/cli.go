//go:build linux && (amd64 || arm64)

// Package cli is the plumbing every chapter program shares: the subcommand
// dispatcher and the tour, `name: value` facts, one-line errors with the errno
// symbol, and the ready-file/hold protocol scenarios use to order processes.
// None of it is the lesson; the lesson is in each chapter's lab.go.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"shmlab/internal/exercise"
	"shmlab/internal/fault"
)

// Experiment is one subcommand of a chapter program.
type Experiment struct {
	Name    string // subcommand name, e.g. "shared"
	Args    string // usage of its arguments, e.g. "[-hold] FILE"
	Notes   string // the notes section it mirrors, e.g. "001 §1.1.1.1"
	Summary string // one line: what it shows
	// Run runs the experiment with its command-line arguments.
	Run func(args []string) error
	// Tour, if set, runs the experiment as a step of the tour, with inputs
	// it makes itself (temporary files it removes afterwards).
	Tour func() error
}

// Program is a chapter program: its name in scenarios and its experiments in
// the order of the notes.
type Program struct {
	Name        string // "mmap"
	Chapter     string // "01-mmap"
	Intro       string // a paragraph printed at the start of the tour
	Experiments []Experiment
}

// Stdout and Stderr are where programs write; tests of the plumbing swap them.
var (
	Stdout io.Writer = os.Stdout
	Stderr io.Writer = os.Stderr
)

// Fact prints one checked fact as `name: value` on a line of its own.
// Scenarios match these lines, so names and formats must stay stable.
func Fact(name string, value any) {
	fmt.Fprintf(Stdout, "%s: %v\n", name, value)
}

// Say prints narrative: what the experiment is about to show and why.
func Say(format string, args ...any) {
	fmt.Fprintf(Stdout, format+"\n", args...)
}

// YesNo turns a boolean into the "yes"/"no" of a fact line.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Main runs the program with os.Args and exits. With no subcommand it runs
// the tour; -h lists the experiments. It never returns.
func Main(p *Program) {
	fault.Main() // a fault probe child runs its probe and exits here
	os.Exit(Run(p, os.Args[1:]))
}

// Run is Main without the exit: it returns the exit status.
func Run(p *Program, args []string) (status int) {
	defer func() {
		if r := recover(); r != nil {
			// A stub with no error result panics with a TodoError: report it
			// like any other unfinished exercise. Other panics are bugs, and
			// their stack is what the reader needs.
			if e, ok := r.(error); ok && errors.Is(e, exercise.ErrExercise) {
				fmt.Fprintf(Stderr, "%s: %v\n", p.Name, e)
				status = 1
				return
			}
			panic(r)
		}
	}()
	if len(args) == 0 {
		return report(p, nil, tour(p))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(p, Stdout)
		return 0
	case "tour":
		return report(p, nil, tour(p))
	}
	for i := range p.Experiments {
		e := &p.Experiments[i]
		if e.Name == args[0] {
			err := e.Run(args[1:])
			if err != nil {
				failReady(args[1:], err)
			}
			return report(p, e, err)
		}
	}
	fmt.Fprintf(Stderr, "%s: unknown experiment %q\n", p.Name, args[0])
	usage(p, Stderr)
	return 2
}

func report(p *Program, e *Experiment, err error) int {
	if err == nil {
		return 0
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(Stderr, "%s: %v\n", p.Name, err)
		if e != nil {
			fmt.Fprintf(Stderr, "usage: %s %s %s\n", p.Name, e.Name, e.Args)
		} else {
			usage(p, Stderr)
		}
		return 2
	}
	fmt.Fprintf(Stderr, "%s: %v\n", p.Name, err)
	return 1
}

func usage(p *Program, w io.Writer) {
	fmt.Fprintf(w, "usage: %s [EXPERIMENT [flags] [args]]\n", p.Name)
	fmt.Fprintf(w, "With no experiment, runs the tour of chapter %s.\n\nexperiments:\n", p.Chapter)
	for _, e := range p.Experiments {
		fmt.Fprintf(w, "  %-10s %s\n", e.Name, e.Summary)
		fmt.Fprintf(w, "  %-10s   %s %s %s   (notes %s)\n", "", p.Name, e.Name, e.Args, e.Notes)
	}
}

func tour(p *Program) error {
	if p.Intro != "" {
		Say("%s\n", strings.TrimSpace(p.Intro))
	}
	n := 0
	for _, e := range p.Experiments {
		if e.Tour == nil {
			continue
		}
		n++
		Say("== %d. %s: %s (notes %s)", n, e.Name, e.Summary, e.Notes)
		if err := e.Tour(); err != nil {
			return fmt.Errorf("tour step %s: %w", e.Name, err)
		}
		Say("")
	}
	return nil
}
