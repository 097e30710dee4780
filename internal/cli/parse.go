//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
)

// ParseInt parses a whole number for a named argument. It accepts decimal,
// 0x hex and 0 octal, and the suffixes K, M, G (powers of 1024). A bad value
// is a usage error naming the argument.
func ParseInt(what, s string) (int64, error) {
	mult := int64(1)
	t := s
	if n := len(t); n > 1 {
		switch t[n-1] {
		case 'k', 'K':
			mult, t = 1<<10, t[:n-1]
		case 'm', 'M':
			mult, t = 1<<20, t[:n-1]
		case 'g', 'G':
			mult, t = 1<<30, t[:n-1]
		}
	}
	v, err := strconv.ParseInt(t, 0, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, Usagef("%s %q: out of range", what, s)
		}
		return 0, Usagef("%s %q: not a number", what, s)
	}
	if v != 0 && (v*mult)/mult != v {
		return 0, Usagef("%s %q: out of range", what, s)
	}
	return v * mult, nil
}

// ParseCount is ParseInt for values that must be at least min and at most max.
func ParseCount(what, s string, min, max int64) (int64, error) {
	v, err := ParseInt(what, s)
	if err != nil {
		return 0, err
	}
	if v < min || v > max {
		return 0, Usagef("%s %s: must be between %d and %d", what, s, min, max)
	}
	return v, nil
}

// ParseMode parses an octal permission mode such as 0600 (at most 0777).
func ParseMode(s string) (uint32, error) { return parseMode("mode", s) }

// parseMode is ParseMode for the value of what (a flag's name).
func parseMode(what, s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
	if err != nil || v > 0o777 {
		return 0, Usagef("%s %q: want octal permission bits such as 0600", what, s)
	}
	return uint32(v), nil
}

// NewFlags makes a flag set that reports its errors instead of exiting, so
// that Main can print one line and exit 2.
func NewFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// Parse parses flags that may stand before, between or after the positional
// arguments (`write FILE -offset 8 TEXT`), as getopt does on Linux. It
// returns the positional arguments. "--" ends the flags, and an argument
// such as -1 is a (negative) number, not a flag.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9') {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			return nil, Usagef("%s: unknown flag -%s", fs.Name(), name)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() && !hasVal {
			val = "true"
		} else if !hasVal {
			if i+1 == len(args) {
				return nil, Usagef("%s: flag needs an argument: -%s", fs.Name(), name)
			}
			i++
			val = args[i]
		}
		if err := fs.Set(name, val); err != nil {
			var ue *UsageError
			if errors.As(err, &ue) {
				return nil, ue // a number or mode flag names itself
			}
			return nil, Usagef("%s: bad value %q for -%s: %v", fs.Name(), val, name, err)
		}
	}
	return pos, nil
}

// Want checks the number of positional arguments.
func Want(name string, pos []string, min, max int) error {
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		return Usagef("%s: wrong number of arguments (%d)", name, len(pos))
	}
	return nil
}
