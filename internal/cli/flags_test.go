//go:build linux && (amd64 || arm64)

package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"shmlab/internal/exercise"
)

// testProgram has one experiment of each shape: flags, a key, positionals.
func testProgram(got *[]string) *Program {
	return &Program{Name: "prog", Chapter: "00-test", Experiments: []Experiment{{
		Name: "write", Args: "(-key K | -path FILE [-id N] | -shmid ID) [-offset N] [-ready FILE] TEXT",
		Notes: "001 §1", Summary: "write TEXT",
		Cmd: func(f *Flags) Action {
			k := f.Key(KeyOpts{Shmid: true})
			off := f.Int("offset", 0, 0, 1<<20, "where to write")
			ready := f.Ready("written")
			f.Args(1, 1)
			return func(args []string) error {
				key, err := k.Resolve(func(string, int) (int, error) { return 7, nil }, "")
				if err != nil {
					return err
				}
				*got = append(*got, HexKey(key), args[0], *ready)
				if *off > 0 {
					*got = append(*got, "offset")
				}
				return nil
			}
		},
	}}}
}

func runCaptured(p *Program, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	Stdout, Stderr = &out, &errb
	defer func() { Stdout, Stderr = nil, nil }()
	return Run(p, args), out.String(), errb.String()
}

func TestExperimentHelp(t *testing.T) {
	var got []string
	status, out, _ := runCaptured(testProgram(&got), "write", "-h")
	if status != 0 || len(got) != 0 {
		t.Fatalf("status %d, ran %q", status, got)
	}
	for _, want := range []string{"usage: prog write (-key K", "write TEXT (notes 001 §1)", "  -offset N ", "where to write", "  -ready FILE", "  -shmid ID"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h lacks %q:\n%s", want, out)
		}
	}
}

func TestExperimentParse(t *testing.T) {
	var got []string
	p := testProgram(&got)
	if status, _, errs := runCaptured(p, "write", "-key", "0x10+2", "hello", "-offset", "4K"); status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	if strings.Join(got, " ") != "0x00000012 hello  offset" {
		t.Errorf("got %q", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"write", "-key", "1", "-offset", "2M", "x"}, `offset 2M: must be between 0 and 1048576`},
		{[]string{"write", "-key", "1", "-offset", "lots", "x"}, `offset "lots": not a number`},
		{[]string{"write", "-key", "1"}, "write: wrong number of arguments (0)"},
		{[]string{"write", "-key", "1", "-path", "f", "x"}, "name the object once"},
		{[]string{"write", "-id", "3", "x"}, "-id is the ftok project id"},
		{[]string{"write", "x"}, "name the object: -key K, -path FILE [-id N], -shmid ID"},
		{[]string{"write", "-key", "0x1ffffffff", "x"}, `key "0x1ffffffff": want a 32-bit number`},
	} {
		status, _, errs := runCaptured(p, c.args...)
		if status != 2 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "usage: prog write ") {
			t.Errorf("%q: status %d, stderr %q; want 2 and %q", c.args, status, errs, c.want)
		}
	}
}

func TestProgramCheck(t *testing.T) {
	var got []string
	p := testProgram(&got)
	if errs := p.Check(); len(errs) != 0 {
		t.Errorf("a consistent program: %v", errs)
	}
	p.Experiments[0].Args = "(-key K | -path FILE [-id N]) [-offset N] [-length N] TEXT"
	errs := p.Check()
	want := []string{"shows -length, which it does not declare", "flag -ready is missing", "flag -shmid is missing"}
	joined := errors.Join(errs...).Error()
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("Check missed %q in %s", w, joined)
		}
	}
}

func TestParseKey(t *testing.T) {
	for in, want := range map[string]int{"0x7e000010": 0x7e000010, "0x7e000010+2": 0x7e000012, "0xffffffff": -1, "-1": -1, "10": 10} {
		if got, err := ParseKey(in); err != nil || got != want {
			t.Errorf("ParseKey(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "0x100000000", "1+x", "1+-2"} {
		if _, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) accepted", in)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{"/dev/shm/x": "/dev/shm/x", "a b": `"a b"`, "a\nb": `"a\nb"`, "": `""`} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHint(t *testing.T) {
	var got []string
	p := testProgram(&got)
	p.Hints = []exercise.Hint{{Func: "Ftok", Notes: "001 §1.1.2.1", Man: "ftok(3)",
		Levels: [3]string{"keys come from files", "stat(2) the file", "pack id, dev, ino"},
		Zh:     [3]string{"键值来自文件", "", ""}}}
	status, out, _ := runCaptured(p, "hint")
	if status != 0 || !strings.Contains(out, "  Ftok ") {
		t.Errorf("hint: status %d:\n%s", status, out)
	}
	status, out, _ = runCaptured(p, "hint", "ftok", "-level", "2", "-lang", "zh")
	if status != 0 || !strings.Contains(out, "键值来自文件") || !strings.Contains(out, "stat(2) the file") || strings.Contains(out, "pack id") {
		t.Errorf("hint ftok -level 2 -lang zh: status %d:\n%s", status, out)
	}
	if status, _, errs := runCaptured(p, "hint", "Nosuch"); status != 2 || !strings.Contains(errs, `no lesson function "Nosuch"`) {
		t.Errorf("hint Nosuch: status %d, %s", status, errs)
	}
	if status, _, errs := runCaptured(p, "hint", "Ftok", "-level", "4"); status != 2 || !strings.Contains(errs, "level 4: must be between 1 and 3") {
		t.Errorf("hint -level 4: status %d, %s", status, errs)
	}
}
