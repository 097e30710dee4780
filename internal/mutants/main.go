// Command mutants proves that the graded scenarios catch plausible learner
// bugs: each chapter's testdata/mutants.txtar lists mutants (a bug or a
// gaming shortcut, written as a text replacement in one file), and each is
// applied, one at a time, to a copy of the tree; the chapter's graded
// scenarios that exercise the mutated function must then fail. It prints
//
//	mutants 03-sysv: 9/9 killed
//
// per chapter, and exits 1 unless every mutant of every chapter is killed. A
// mutant whose old text is no longer in its file exactly once, or that does
// not build, is a failure too: the list must stay true to the lesson.
//
// Usage (from the root of the lab; .ci/mutants runs it):
//
//	go run ./internal/mutants [-v] [-j N] [CHAPTER...]
//
// With -stubs it checks the lesson lines instead (stubs.go).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// mutant is one section of a mutants.txtar: its name is "Func: what it
// does"; its body says the file, the old text and the new.
//
//	-- Ftok: keeps the device bits out --
//	file: lab.go
//	old:
//		key := ... | uint32(st.Dev&0xff)<<16 | ...
//	new:
//		key := ... | ...
type mutant struct {
	chapter, name, fn string
	file, old, new    string
}

func main() {
	verbose := flag.Bool("v", false, "print each mutant's outcome")
	jobs := flag.Int("j", 2, "chapters mutated at once")
	stubs := flag.Bool("stubs", false, "each lesson function's stub alone: every scenario naming it must fail")
	flag.Parse()
	chapters := flag.Args()
	if len(chapters) == 0 {
		chapters, _ = filepath.Glob("[0-9][0-9]-*")
	}
	status := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(*jobs, 1))
	lines := map[string]string{}
	for _, c := range chapters {
		c = strings.TrimSuffix(c, "/")
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			run := runChapter
			if *stubs {
				run = runStubs
			}
			line, ok := run(c, *verbose)
			mu.Lock()
			defer mu.Unlock()
			lines[c] = line
			if !ok {
				status = 1
			}
		}()
	}
	wg.Wait()
	for _, c := range chapters {
		fmt.Println(lines[strings.TrimSuffix(c, "/")])
	}
	os.Exit(status)
}

// runChapter applies every mutant of a chapter in a copy of the tree and
// returns its summary line, and whether every mutant was killed.
func runChapter(chapter string, verbose bool) (string, bool) {
	ms, err := readMutants(chapter)
	if err != nil {
		return fmt.Sprintf("mutants %s: %v", chapter, err), false
	}
	tree, err := copyTree(chapter)
	if err != nil {
		return fmt.Sprintf("mutants %s: copy the tree: %v", chapter, err), false
	}
	defer os.RemoveAll(tree)
	killed := 0
	var report []string
	for _, m := range ms {
		start := time.Now()
		outcome := try(tree, m)
		if outcome == "killed" {
			killed++
		}
		if verbose || outcome != "killed" {
			report = append(report, fmt.Sprintf("  %s %q: %s (%.0fs)", outcome, m.name, m.file, time.Since(start).Seconds()))
		}
	}
	line := fmt.Sprintf("mutants %s: %d/%d killed", chapter, killed, len(ms))
	if len(ms) < 8 {
		line += fmt.Sprintf(" (at least 8 wanted, %d listed)", len(ms))
	}
	if len(report) > 0 {
		line += "\n" + strings.Join(report, "\n")
	}
	return line, killed == len(ms) && len(ms) >= 8
}

// try applies m in tree, runs the scenarios that exercise its function, and
// undoes it. It returns "killed", "SURVIVED", "STALE (...)" or "BUILD
// FAILED (...)".
func try(tree string, m mutant) string {
	path := filepath.Join(tree, m.chapter, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "STALE (" + err.Error() + ")"
	}
	if n := bytes.Count(orig, []byte(m.old)); n != 1 {
		return fmt.Sprintf("STALE (its old text is in %s %d times, want once)", m.file, n)
	}
	if err := os.WriteFile(path, bytes.Replace(orig, []byte(m.old), []byte(m.new), 1), 0o644); err != nil {
		return "STALE (" + err.Error() + ")"
	}
	defer os.WriteFile(path, orig, 0o644)
	if out, err := goCmd(tree, "vet", "./"+m.chapter).CombinedOutput(); err != nil {
		return "BUILD FAILED (" + firstLine(out) + ")"
	}
	run := "^TestScripts$"
	if names := scenariosOf(filepath.Join(tree, m.chapter), m.fn); len(names) > 0 {
		run = "^TestScripts$/^(" + strings.Join(names, "|") + ")$"
	}
	test := goCmd(tree, "test", "-count=1", "-failfast", "-run", run, "./"+m.chapter)
	// A mutant that deadlocks (P(mutex) before P(filled)) is killed when
	// the watchdog stops the hung scenario: 30 s here, far above what any
	// scenario takes with the reference, instead of the 2 minutes a
	// learner gets.
	test.Env = append(os.Environ(), "SHMLAB_SCENARIO_TIMEOUT=30s")
	out, err := test.CombinedOutput()
	switch {
	case err == nil:
		return "SURVIVED"
	case bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")):
		return "BUILD FAILED (" + firstLine(out) + ")"
	}
	return "killed"
}

func goCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	return cmd
}

// lessonLine is a scenario's `# lesson: F G` line.
var lessonLine = regexp.MustCompile(`(?m)^#\s*lesson:\s*(.+)$`)

// scenariosOf lists the graded scenarios whose lesson line names fn.
func scenariosOf(chapterDir, fn string) []string {
	files, _ := filepath.Glob(filepath.Join(chapterDir, "testdata", "script", "*.txtar"))
	var names []string
	for _, f := range files {
		data, _ := os.ReadFile(f)
		head, _, _ := strings.Cut(string(data), "\n-- ")
		for _, m := range lessonLine.FindAllStringSubmatch(head, -1) {
			for _, name := range strings.Fields(strings.ReplaceAll(m[1], ",", " ")) {
				if name == fn {
					names = append(names, strings.TrimSuffix(filepath.Base(f), ".txtar"))
				}
			}
		}
	}
	return names
}

// readMutants parses a chapter's testdata/mutants.txtar.
func readMutants(chapter string) ([]mutant, error) {
	a, err := txtar.ParseFile(filepath.Join(chapter, "testdata", "mutants.txtar"))
	if err != nil {
		return nil, err
	}
	var ms []mutant
	for _, f := range a.Files {
		m := mutant{chapter: chapter, name: f.Name}
		m.fn, _, _ = strings.Cut(f.Name, ":")
		body := string(f.Data)
		head, rest, ok1 := strings.Cut(body, "\nold:\n")
		old, nw, ok2 := strings.Cut(rest, "\nnew:\n")
		file, ok3 := strings.CutPrefix(strings.TrimSpace(head), "file: ")
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("mutant %q: want lines `file: F`, `old:` TEXT, `new:` TEXT", f.Name)
		}
		m.file, m.old, m.new = strings.TrimSpace(file), old, strings.TrimSuffix(nw, "\n")
		if m.old == m.new {
			return nil, fmt.Errorf("mutant %q changes nothing", f.Name)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no mutants in %s/testdata/mutants.txtar", chapter)
	}
	return ms, nil
}

// copyTree copies the files git tracks (and the untracked ones it does not
// ignore) to a temporary directory, so that mutants never touch the work
// tree.
func copyTree(chapter string) (string, error) {
	dir, err := os.MkdirTemp("", "shmlab-mutants-"+chapter+"-")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("git ls-files: %v", err)
	}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // listed by git, removed from the work tree
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		fi, _ := os.Stat(f)
		if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func firstLine(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}
