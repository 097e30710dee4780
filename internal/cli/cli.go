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
	Name string // subcommand name, e.g. "shared"
	// Args is the synopsis of its flags and arguments, as a usage line
	// shows it: "(-key K | -path FILE [-id N]) [-offset N] TEXT". Every flag
	// Cmd declares appears in it, and only those (Program.Check).
	Args    string
	Notes   string // the notes section it mirrors, e.g. "001 §1.1.1.1"
	Summary string // one line: what it shows
	// Cmd declares the experiment's flags and arguments on f and returns
	// the Action that runs it. It must do nothing else: the CLI also calls
	// it only to print `-h`.
	Cmd func(f *Flags) Action
	// Run is the older form of Cmd: it parses its own arguments. Chapters
	// move to Cmd; Check reports an experiment that still uses Run.
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
	// Hints are the exercise's hints, one per lesson function, in the order
	// the README asks for them (the `hint` subcommand).
	Hints []exercise.Hint
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
	exitUnlessInterrupted(Run(p, os.Args[1:]))
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
	case "hint":
		return report(p, &Experiment{Name: "hint", Args: hintArgs}, hintCmd(p, args[1:]))
	}
	for i := range p.Experiments {
		e := &p.Experiments[i]
		if e.Name == args[0] {
			err := runExperiment(p, e, args[1:])
			if errors.Is(err, errHelp) {
				experimentUsage(p, e, Stdout)
				return 0
			}
			if err != nil {
				failReady(args[1:], err)
			}
			return report(p, e, err)
		}
	}
	fmt.Fprintf(Stderr, "%s: unknown experiment %q\n", p.Name, args[0])
	fmt.Fprintf(Stderr, "usage: %s [EXPERIMENT [flags] [args]] (%s -h lists the experiments)\n", p.Name, p.Name)
	return 2
}

// runExperiment parses args as e declares them and runs it.
func runExperiment(p *Program, e *Experiment, args []string) error {
	if isHelp(args) {
		return errHelp
	}
	if e.Cmd == nil {
		return e.Run(args)
	}
	f := newFlags(e.Name)
	act := e.Cmd(f)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	return act(pos)
}

// experimentUsage is `PROG EXPERIMENT -h`: the usage line, what it shows,
// the notes section, and one line per flag.
func experimentUsage(p *Program, e *Experiment, w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s\n", p.Name, strings.TrimSpace(e.Name+" "+e.Args))
	fmt.Fprintf(w, "%s (notes %s)\n", e.Summary, e.Notes)
	if e.Cmd == nil {
		return
	}
	f := newFlags(e.Name)
	e.Cmd(f)
	if len(f.Names()) > 0 {
		fmt.Fprintf(w, "\nflags:\n")
		f.printDefaults(w)
	}
}

// Check reports what is inconsistent in the program's declarations: an
// experiment without a summary, notes or Cmd, a flag its synopsis (Args)
// does not show, or a synopsis naming a flag it does not declare. Each
// chapter's tests call it, so that `-h` and the usage lines cannot drift.
func (p *Program) Check() []error {
	var errs []error
	seen := map[string]bool{}
	for i := range p.Experiments {
		e := &p.Experiments[i]
		if seen[e.Name] {
			errs = append(errs, fmt.Errorf("%s: declared twice", e.Name))
		}
		seen[e.Name] = true
		if e.Summary == "" || e.Notes == "" || e.Cmd == nil {
			errs = append(errs, fmt.Errorf("%s: needs Summary, Notes and Cmd", e.Name))
			continue
		}
		f := newFlags(e.Name)
		e.Cmd(f)
		declared := map[string]bool{}
		for _, n := range f.Names() {
			declared[n] = true
		}
		shown := map[string]bool{}
		for _, n := range synopsisFlags(e.Args) {
			shown[n] = true
			if !declared[n] {
				errs = append(errs, fmt.Errorf("%s: synopsis %q shows -%s, which it does not declare", e.Name, e.Args, n))
			}
		}
		for n := range declared {
			if !shown[n] {
				errs = append(errs, fmt.Errorf("%s: flag -%s is missing from the synopsis %q", e.Name, n, e.Args))
			}
		}
	}
	return errs
}

func report(p *Program, e *Experiment, err error) int {
	if err == nil {
		return 0
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(Stderr, "%s: %v\n", p.Name, err)
		if e != nil {
			fmt.Fprintf(Stderr, "usage: %s\n", strings.TrimSpace(p.Name+" "+e.Name+" "+e.Args))
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
	fmt.Fprintf(w, "With no experiment, runs the tour of chapter %s.\n", p.Chapter)
	fmt.Fprintf(w, "%s EXPERIMENT -h prints the flags of one.\n", p.Name)
	if len(p.Hints) > 0 {
		fmt.Fprintf(w, "%s hint [FUNC] gives the exercise's hints.\n", p.Name)
	}
	fmt.Fprintf(w, "\nexperiments:\n")
	width := 10
	for _, e := range p.Experiments {
		width = max(width, len(e.Name))
	}
	for _, e := range p.Experiments {
		fmt.Fprintf(w, "  %-*s %s\n", width, e.Name, e.Summary)
		fmt.Fprintf(w, "  %-*s   %s   (notes %s)\n", width, "", strings.TrimSpace(p.Name+" "+e.Name+" "+e.Args), e.Notes)
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
