//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Action runs an experiment with the positional arguments left after its
// flags were parsed.
type Action func(args []string) error

// Flags is what an experiment declares: its flags, each with a usage line
// that names the kernel constant it sets (TLPI's style: `-excl  IPC_EXCL:
// fail if the key is taken`), and how many positional arguments it takes.
// The CLI builds it, prints it for `PROG EXPERIMENT -h`, parses the command
// line into it and checks the argument count before the Action runs.
//
// Every number flag takes the same syntax (decimal, 0x hex, 0 octal, and
// the suffixes K, M, G), every duration Go's (100ms, 2s), and the common
// flags (-ready, -hold, -timeout, the System V key flags) are declared
// here once, so that one concept has one name in all six programs.
type Flags struct {
	fs       *flag.FlagSet
	min, max int // positional arguments; max -1: any number
	metas    map[string]string
}

// newFlags makes the Flags of one experiment.
func newFlags(name string) *Flags {
	return &Flags{fs: NewFlags(name), metas: map[string]string{}}
}

// Args declares how many positional arguments the experiment takes, from
// min to max (max -1: no upper bound). Without it, none.
func (f *Flags) Args(min, max int) { f.min, f.max = min, max }

// String declares a string flag. meta names its value in the usage
// (FILE, NAME, LIST).
func (f *Flags) String(name, meta, def, usage string) *string {
	f.metas[name] = meta
	return f.fs.String(name, def, usage)
}

// Bool declares a flag that is off unless given (-excl, -rdonly).
func (f *Flags) Bool(name, usage string) *bool {
	return f.fs.Bool(name, false, usage)
}

// BoolDefault declares a flag that is on unless turned off with -name=false.
func (f *Flags) BoolDefault(name string, def bool, usage string) *bool {
	return f.fs.Bool(name, def, usage)
}

// Int declares a number flag from min to max: decimal, 0x hex or 0 octal,
// with K, M or G for powers of 1024 (-size 64K). A value out of range is a
// usage error naming the flag and the range.
func (f *Flags) Int(name string, def, min, max int64, usage string) *int64 {
	v := &numValue{name: name, v: def, min: min, max: max}
	f.fs.Var(v, name, usage)
	f.metas[name] = "N"
	return &v.v
}

// Mode declares a permission-bits flag such as -mode 0600 (octal, at most
// 0777).
func (f *Flags) Mode(name string, def uint32, usage string) *uint32 {
	v := &modeValue{name: name, v: def}
	f.fs.Var(v, name, usage)
	f.metas[name] = "MODE"
	return &v.v
}

// Duration declares a duration flag (100ms, 2s, 1m). A value without a
// unit is a usage error naming the flag and the syntax.
func (f *Flags) Duration(name string, def time.Duration, usage string) *time.Duration {
	v := &durationValue{v: def}
	f.fs.Var(v, name, usage)
	f.metas[name] = "D"
	return &v.v
}

// Forever is the -timeout that never gives up: any negative duration.
const Forever time.Duration = -1

// Timeout declares -timeout D: how long a call that blocks may wait. One
// convention in every program and lesson: a negative D (the default when
// def is Forever) waits for ever, 0 does not wait at all (fails at once with
// EAGAIN if it would block), D > 0 gives up after D.
func (f *Flags) Timeout(def time.Duration, what string) *time.Duration {
	usage := "give up when " + what + " within this time (0: do not wait; negative: wait for ever)"
	return f.Duration("timeout", def, usage)
}

// Ready declares -ready FILE: the process writes FILE once it reaches the
// point named by when ("the mapping is written"), so that a scenario or a
// shell waits for it instead of sleeping a guessed time.
func (f *Flags) Ready(when string) *string {
	return f.String("ready", "FILE", "", "write FILE once "+when)
}

// Hold declares -hold: keep what the experiment made (a mapping, an attach,
// a lock) until SIGINT or SIGTERM, so another process can look at it.
func (f *Flags) Hold(what string) *bool {
	return f.Bool("hold", "keep "+what+" until SIGINT or SIGTERM (at most "+HoldMax.String()+")")
}

// Names gives the declared flag names, sorted.
func (f *Flags) Names() []string {
	var names []string
	f.fs.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	sort.Strings(names)
	return names
}

// parse parses args into the flags and checks the number of positional
// arguments; it returns those arguments.
func (f *Flags) parse(args []string) ([]string, error) {
	pos, err := Parse(f.fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) < f.min || (f.max >= 0 && len(pos) > f.max) {
		return nil, Usagef("%s: wrong number of arguments (%d)", f.fs.Name(), len(pos))
	}
	return pos, nil
}

// printDefaults writes one line per flag: `-name META  usage (default X)`.
func (f *Flags) printDefaults(w io.Writer) {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	f.fs.VisitAll(func(fl *flag.Flag) {
		left := "-" + fl.Name
		if m := f.metas[fl.Name]; m != "" {
			left += " " + m
		}
		usage := fl.Usage
		if g, ok := fl.Value.(flag.Getter); ok && isNegativeDuration(g.Get()) {
			usage += " (default: wait for ever)"
		} else if d := fl.DefValue; d != "" && d != "false" && d != "0" && f.metas[fl.Name] != "" {
			usage += " (default " + d + ")"
		} else if d == "true" {
			usage += " (default on; -" + fl.Name + "=false turns it off)"
		}
		rows = append(rows, row{left, usage})
		width = max(width, len(left))
	})
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r.left, r.usage)
	}
}

// numValue is the one number type of every program's flags.
type numValue struct {
	name     string
	v        int64
	min, max int64
}

func (n *numValue) String() string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(n.v)
}

func (n *numValue) Set(s string) error {
	v, err := ParseCount(n.name, s, n.min, n.max)
	if err != nil {
		return err
	}
	n.v = v
	return nil
}

// modeValue is an octal permission mode.
type modeValue struct {
	name string
	v    uint32
}

func (m *modeValue) String() string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf("%04o", m.v)
}

func (m *modeValue) Set(s string) error {
	v, err := parseMode(m.name, s)
	if err != nil {
		return err
	}
	m.v = v
	return nil
}

// durationValue is a time.Duration flag that says what it wants (the
// parser names the flag and the value).
type durationValue struct{ v time.Duration }

func (d *durationValue) String() string {
	if d == nil {
		return ""
	}
	return d.v.String()
}

func (d *durationValue) Get() any { return d.v }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration with its unit, such as 500ms, 2s or 1m")
	}
	d.v = v
	return nil
}

// errHelp is what parse returns for -h, -help or --help: the CLI prints the
// experiment's usage and exits 0.
var errHelp = errors.New("help requested")

// isHelp reports whether args ask for help before any "--".
func isHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// synopsisFlags gives the flag names (without the dash) an Args synopsis
// mentions: every `-name` token.
func synopsisFlags(args string) []string {
	var out []string
	for _, tok := range strings.FieldsFunc(args, func(r rune) bool {
		return r == ' ' || r == '[' || r == ']' || r == '(' || r == ')' || r == '|'
	}) {
		if len(tok) > 1 && tok[0] == '-' && (tok[1] < '0' || tok[1] > '9') {
			name, _, _ := strings.Cut(tok[1:], "=")
			out = append(out, name)
		}
	}
	return out
}

// Given reports whether the flag name was on the command line (its value
// may equal the default). For the Action, after parsing.
func (f *Flags) Given(name string) bool {
	given := false
	f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	return given
}

func isNegativeDuration(v any) bool {
	d, ok := v.(time.Duration)
	return ok && d < 0
}
