package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// With -stubs, the mutants of a chapter are its stubs, one at a time: each
// function of exercise*.go put in front of the reference's body in lab*.go,
// as `if true { STUB }`, which is the reference with that one function not
// written yet. Every graded scenario whose `# lesson:` line names the
// function must then fail: a scenario that passes says the function
// counts in the grade's line per function for a scenario that does not
// need it. It prints, per chapter,
//
//	stubs 03-sysv: 8/8 functions fail every scenario naming them
//
// and for each exception the scenarios that passed, or that none names it.

// todoName is the lesson name a stub reports: exercise.Todo("Sem.Wait", ...).
var todoName = regexp.MustCompile(`exercise\.Todo\("([^"]+)"`)

// stubMutants reads the chapter's stubs and makes a mutant of each.
func stubMutants(chapter string) ([]mutant, error) {
	stubs, err := funcBodies(chapter, "exercise*.go")
	if err != nil {
		return nil, err
	}
	labs, err := funcBodies(chapter, "lab*.go")
	if err != nil {
		return nil, err
	}
	var ms []mutant
	for key, s := range stubs {
		l, ok := labs[key]
		m := todoName.FindStringSubmatch(s.body)
		if !ok || m == nil {
			continue // no reference to stub, or no lesson name to grade it by
		}
		ms = append(ms, mutant{chapter: chapter, name: m[1] + ": the stub", fn: m[1], file: l.file,
			old: l.open, new: l.open + "\n\tif true " + s.body + "\n"})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no stubs in %s/exercise*.go with a reference in lab*.go", chapter)
	}
	return ms, nil
}

// funcSource is a function of a file: its first line up to the opening
// brace of the body, and the body with its braces.
type funcSource struct {
	file, open, body string
}

// funcBodies parses the files of chapter matching pattern and returns
// their exported functions and methods by "Type.Name" or "Name".
func funcBodies(chapter, pattern string) (map[string]funcSource, error) {
	paths, _ := filepath.Glob(filepath.Join(chapter, pattern))
	out := map[string]funcSource{}
	fset := token.NewFileSet()
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !fd.Name.IsExported() {
				continue
			}
			start, lbrace, end := fset.Position(fd.Pos()).Offset, fset.Position(fd.Body.Lbrace).Offset, fset.Position(fd.Body.Rbrace).Offset
			out[funcKey(fd)] = funcSource{file: filepath.Base(p), open: string(src[start : lbrace+1]), body: string(src[lbrace : end+1])}
		}
	}
	return out, nil
}

// funcKey is "Type.Name" for a method, "Name" for a function.
func funcKey(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// withExerciseImport adds the import a stub's body needs to a lab file.
func withExerciseImport(src []byte) []byte {
	const imp = `"shmlab/internal/exercise"`
	if bytes.Contains(src, []byte(imp)) {
		return src
	}
	return bytes.Replace(src, []byte("import (\n"), []byte("import (\n\t"+imp+"\n"), 1)
}

// stubOutcome runs the scenarios naming m.fn with the stub in place and
// says which of them passed ("" when all failed).
func stubOutcome(tree string, m mutant) string {
	names := scenariosOf(filepath.Join(tree, m.chapter), m.fn)
	if len(names) == 0 {
		return "no scenario names it in its lesson line"
	}
	run := "^TestScripts$/^(" + strings.Join(names, "|") + ")$"
	test := goCmd(tree, "test", "-count=1", "-v", "-run", run, "./"+m.chapter)
	test.Env = append(os.Environ(), "SHMLAB_SCENARIO_TIMEOUT=30s")
	out, _ := test.CombinedOutput()
	if bytes.Contains(out, []byte("[build failed]")) {
		return "BUILD FAILED (" + firstLine(out) + ")"
	}
	var passed []string
	for _, n := range names {
		if bytes.Contains(out, []byte("--- PASS: TestScripts/"+n+" ")) {
			passed = append(passed, n)
		}
	}
	if len(passed) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d scenarios naming it pass with its stub: %s", len(passed), len(names), strings.Join(passed, ", "))
}

// runStubs tries the stub of every lesson function of a chapter in a copy
// of the tree and returns its summary line, and whether each one failed
// every scenario naming its function.
func runStubs(chapter string, verbose bool) (string, bool) {
	ms, err := stubMutants(chapter)
	if err != nil {
		return fmt.Sprintf("stubs %s: %v", chapter, err), false
	}
	tree, err := copyTree(chapter)
	if err != nil {
		return fmt.Sprintf("stubs %s: copy the tree: %v", chapter, err), false
	}
	defer os.RemoveAll(tree)
	honest := 0
	var report []string
	for _, m := range ms {
		outcome := withStub(tree, m)
		if outcome == "" {
			honest++
		}
		if verbose || outcome != "" {
			report = append(report, fmt.Sprintf("  %s: %s", m.fn, map[bool]string{true: "every scenario naming it fails", false: outcome}[outcome == ""]))
		}
	}
	line := fmt.Sprintf("stubs %s: %d/%d functions fail every scenario naming them", chapter, honest, len(ms))
	if len(report) > 0 {
		line += "\n" + strings.Join(report, "\n")
	}
	return line, honest == len(ms)
}

// withStub puts m's stub in place, runs its scenarios and takes it out.
func withStub(tree string, m mutant) string {
	path := filepath.Join(tree, m.chapter, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if n := bytes.Count(orig, []byte(m.old)); n != 1 {
		return fmt.Sprintf("its first line is in %s %d times, want once", m.file, n)
	}
	mutated := withExerciseImport(bytes.Replace(orig, []byte(m.old), []byte(m.new), 1))
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return err.Error()
	}
	defer os.WriteFile(path, orig, 0o644)
	return stubOutcome(tree, m)
}
