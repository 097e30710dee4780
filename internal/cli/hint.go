//go:build linux && (amd64 || arm64)

package cli

import (
	"fmt"
	"os"
	"strings"

	"shmlab/internal/exercise"
)

// hintArgs is the synopsis of hint, after its name.
const hintArgs = "[FUNC [-level N] [-lang en|zh]]"

// hintCmd is the `hint` subcommand every program has: `PROG hint` lists the
// lesson functions in the order to implement them; `PROG hint FUNC [-level
// N] [-lang zh]` prints the hints of levels 1 to N (default 1).
func hintCmd(p *Program, args []string) error {
	f := newFlags("hint")
	level := f.Int("level", 1, 1, 3, "how much to give away: 1 the concept, 2 the call and its flags, 3 the shape of the code")
	lang := f.String("lang", "LANG", defaultLang(), "en or zh; by default zh when $LC_ALL, $LC_MESSAGES or $LANG (the first set) starts with zh")
	f.Args(0, 1)
	if isHelp(args) {
		fmt.Fprintf(Stdout, "usage: %s hint %s\n", p.Name, hintArgs)
		fmt.Fprintf(Stdout, "Hints for the exercise, in levels (with no FUNC: the functions, in order).\n\nflags:\n")
		f.printDefaults(Stdout)
		return nil
	}
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if *lang != "en" && *lang != "zh" {
		return Usagef("hint: -lang %q: want en or zh", *lang)
	}
	if len(p.Hints) == 0 {
		return fmt.Errorf("hint: chapter %s has no hints yet", p.Chapter)
	}
	if len(pos) == 0 {
		fmt.Fprintf(Stdout, "The lesson functions of %s, in the order to implement them:\n", p.Chapter)
		for _, h := range p.Hints {
			fmt.Fprintf(Stdout, "  %-14s notes %s; %s\n", h.Func, h.Notes, manRef(h.Man))
		}
		fmt.Fprintf(Stdout, "%s hint FUNC -level 1|2|3 gives more and more away.\n", p.Name)
		return nil
	}
	for _, h := range p.Hints {
		if strings.EqualFold(h.Func, pos[0]) {
			printHint(h, int(*level), *lang == "zh")
			return nil
		}
	}
	return Usagef("hint: no lesson function %q in %s (%s hint lists them)", pos[0], p.Chapter, p.Name)
}

func printHint(h exercise.Hint, level int, zh bool) {
	fmt.Fprintf(Stdout, "%s (notes %s; %s)\n", h.Func, h.Notes, manRef(h.Man))
	names := [3]string{"the idea", "the call", "the shape of the code"}
	if zh {
		names = [3]string{"思路", "调用", "代码的结构"}
	}
	for i := 0; i < level; i++ {
		text := h.Levels[i]
		if zh && h.Zh[i] != "" {
			text = h.Zh[i]
		}
		fmt.Fprintf(Stdout, "\n%d. %s:\n%s\n", i+1, names[i], wrapIndent(text))
	}
	switch {
	case level < 3 && zh:
		fmt.Fprintf(Stdout, "\n（-level %d 给出更多）\n", level+1)
	case level < 3:
		fmt.Fprintf(Stdout, "\n(-level %d gives more)\n", level+1)
	}
}

// manRef is where to read about a hint's call: "man mmap(2)", or a Go
// command as it is ("go doc sync/atomic.AddUint64").
func manRef(ref string) string {
	if strings.HasPrefix(ref, "go ") {
		return ref
	}
	return "man " + ref
}

// defaultLang is zh when the locale (LC_ALL, LC_MESSAGES, LANG) says Chinese,
// en otherwise.
func defaultLang() string {
	// The first of them that is set decides, as for any program's messages.
	for _, v := range []string{os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG")} {
		if v != "" {
			if strings.HasPrefix(v, "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

// wrapIndent indents a hint's paragraphs by two spaces.
func wrapIndent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}
