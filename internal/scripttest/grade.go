//go:build linux && (amd64 || arm64)

package scripttest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"shmlab/internal/exercise"
)

// Graded runs the graded scenarios of a chapter (testdata/script) as subtests
// of t and, when all have finished, prints the grade:
//
//	grade 03-sysv: 12/12 scenarios pass (2 skipped: needs root: perm_eacces, stat_set)
//	  Get: 5/5, Attach: 3/3, ...
//	first failure: ...
//
// A skipped scenario counts neither as passed nor as failed; its reason is
// said. The line per lesson function comes from the `# lesson: F G` line of
// each scenario. For the first failing scenario (by name, and one that did
// not just meet a stub if there is one: the learner's mistake before their
// unfinished work) it shows the script line that failed, what it expected
// and what the last command that printed anything printed, in whatever
// phase of the scenario it ran. go test shows all this with -v, and whenever a scenario fails.
func Graded(t *testing.T, chapter string) {
	g := &grade{dir: filepath.Join("testdata", "script"), scenarios: map[string]*scenario{}}
	t.Cleanup(func() { g.report(os.Stdout, chapter) })
	testscript.RunT(gradeT{T: t, g: g}, Params(g.dir))
}

// grade gathers how the scenarios of one chapter ended.
type grade struct {
	dir       string
	mu        sync.Mutex
	scenarios map[string]*scenario
}

// scenario is how one scenario ended.
type scenario struct {
	name             string
	passed, skipped  bool
	skipWhy, log     string
	timedOut         bool
	lessonFunctions  []string
	firstFailureLine string
}

// gradeT is testscript.T over a *testing.T that records how its subtests
// end: their log (testscript writes it all at the end), their skip reason.
type gradeT struct {
	*testing.T
	g *grade
	s *scenario // nil for the parent test
}

// Verbose is true for a scenario, so that testscript keeps its whole log:
// a failed `stdout` check is often in a later phase than the command whose
// output it read, and the grade shows that output. Log hands on to go test
// only what testscript would have kept without -v.
func (t gradeT) Verbose() bool { return t.s != nil || testing.Verbose() }

func (t gradeT) Log(args ...any) {
	msg := fmt.Sprint(args...)
	if t.s != nil {
		t.g.mu.Lock()
		t.s.log += msg
		t.g.mu.Unlock()
		if !testing.Verbose() {
			msg = failedPhase(msg)
		}
	}
	t.T.Log(msg)
}

// phaseRE is the heading of a phase of a scenario's log once it ended: the
// comment line that began it, and its time.
var phaseRE = regexp.MustCompile(`^#.* \([0-9]+\.[0-9]{3}s\)$`)

// failedPhase is a whole log as testscript writes it without -v: every
// phase's heading, and the lines of the last one only (where it failed).
func failedPhase(log string) string {
	lines := strings.Split(log, "\n")
	var kept []string
	last := -1
	for i, l := range lines {
		if phaseRE.MatchString(l) {
			last = i
		}
	}
	if last < 0 {
		return log
	}
	for i, l := range lines {
		if i >= last || phaseRE.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

func (t gradeT) Skip(args ...any) {
	if t.s != nil {
		t.g.mu.Lock()
		t.s.skipWhy = fmt.Sprint(args...)
		t.g.mu.Unlock()
	}
	t.T.Skip(args...)
}

func (t gradeT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(st *testing.T) {
		s := &scenario{name: name, lessonFunctions: lessonFunctions(filepath.Join(t.g.dir, name+".txtar"))}
		st.Cleanup(func() {
			t.g.mu.Lock()
			defer t.g.mu.Unlock()
			s.skipped = st.Skipped()
			s.passed = !st.Failed() && !st.Skipped()
			s.timedOut = timedOut(st.Name())
			t.g.scenarios[name] = s
		})
		f(gradeT{T: st, g: t.g, s: s})
	})
}

// lessonRE is the line of a scenario that names the lesson functions it
// exercises: `# lesson: Get Attach`.
var lessonRE = regexp.MustCompile(`^#\s*lesson:\s*(.+)$`)

func lessonFunctions(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "-- ") {
			break
		}
		if m := lessonRE.FindStringSubmatch(sc.Text()); m != nil {
			return strings.Fields(strings.ReplaceAll(m[1], ",", " "))
		}
	}
	return nil
}

// report prints the grade line, the line per lesson function and the first
// failure.
func (g *grade) report(w io.Writer, chapter string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.scenarios))
	for n := range g.scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	pass, ran := 0, 0
	skips := map[string][]string{} // reason -> scenarios
	var reasons []string
	var firstFail *scenario
	for _, n := range names {
		s := g.scenarios[n]
		switch {
		case s.skipped:
			if _, ok := skips[s.skipWhy]; !ok {
				reasons = append(reasons, s.skipWhy)
			}
			skips[s.skipWhy] = append(skips[s.skipWhy], n)
		case s.passed:
			pass++
			ran++
		default:
			ran++
			// The failure to show is the first of code the learner wrote:
			// one that is not a stub's "exercise not done", if any.
			if firstFail == nil || stubbed(firstFail) && !stubbed(s) {
				firstFail = s
			}
		}
	}
	line := fmt.Sprintf("grade %s: %d/%d scenarios pass", chapter, pass, ran)
	if n := len(names) - ran; n > 0 {
		var why []string
		for _, r := range reasons {
			why = append(why, r+": "+strings.Join(skips[r], ", "))
		}
		line += fmt.Sprintf(" (%d skipped: %s)", n, strings.Join(why, "; "))
	}
	fmt.Fprintln(w, line)
	if fl := g.functionLine(names); fl != "" {
		fmt.Fprintln(w, "  "+fl)
	}
	if firstFail != nil {
		fmt.Fprint(w, describeFailure(g.dir, firstFail))
	}
}

// functionLine gives `Get: 3/3, Attach: 1/2` over the scenarios that ran,
// in the order the functions first appear.
func (g *grade) functionLine(names []string) string {
	var order []string
	counts := map[string]*[2]int{}
	for _, n := range names {
		s := g.scenarios[n]
		if s.skipped {
			continue
		}
		for _, f := range s.lessonFunctions {
			c, ok := counts[f]
			if !ok {
				c = new([2]int)
				counts[f] = c
				order = append(order, f)
			}
			c[1]++
			if s.passed {
				c[0]++
			}
		}
	}
	var parts []string
	for _, f := range order {
		parts = append(parts, fmt.Sprintf("%s: %d/%d", f, counts[f][0], counts[f][1]))
	}
	return strings.Join(parts, ", ")
}

// failRE finds testscript's failure line: `FAIL: testdata/script/x.txtar:12: why`.
var failRE = regexp.MustCompile(`(?m)^FAIL: (\S+):(\d+): (.*)$`)

// describeFailure says what a failed scenario expected and what came: the
// script line that failed, testscript's reason, and the output of the last
// command before it.
func describeFailure(dir string, s *scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "first failure: %s", s.name)
	if s.timedOut {
		fmt.Fprintf(&b, ": timed out after %v (a deadlock in %s?); its processes were killed and its objects removed\n",
			scenarioTimeout(), strings.Join(append([]string{}, s.lessonFunctions...), ", "))
		return b.String()
	}
	m := failRE.FindStringSubmatch(s.log)
	if m == nil {
		fmt.Fprintf(&b, " (run go test -v -run 'TestScripts/%s' for its log)\n", s.name)
		return b.String()
	}
	fmt.Fprintf(&b, " (%s:%s)\n", filepath.Join(dir, filepath.Base(m[1])), m[2])
	if line := scriptLine(m[1], m[2]); line != "" {
		fmt.Fprintf(&b, "  expected: %s\n", line)
	}
	fmt.Fprintf(&b, "  failed:   %s\n", m[3])
	if got := lastOutput(s.log[:strings.Index(s.log, m[0])]); got != "" {
		fmt.Fprintf(&b, "  got:\n%s", indent(got))
	}
	return b.String()
}

// stubbed reports whether a failed scenario met a stub: an unfinished
// exercise, not a mistake.
func stubbed(s *scenario) bool { return strings.Contains(s.log, exercise.ErrExercise.Error()) }

// lastOutput is the last command of log that printed anything, what it
// printed (its last lines) and the checks after it.
func lastOutput(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	out := -1
	for i := len(lines) - 1; i >= 0 && out < 0; i-- {
		if lines[i] == "[stdout]" || lines[i] == "[stderr]" {
			out = i
		}
	}
	if out < 0 {
		return ""
	}
	cmd := out
	for cmd > 0 && !strings.HasPrefix(lines[cmd], "> ") {
		cmd--
	}
	body := strings.Join(lines[cmd+1:], "\n")
	return lines[cmd] + "\n" + lastLines(body, 12)
}

// scriptLine gives line n of the scenario file, trimmed.
func scriptLine(path, n string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var i int
	fmt.Sscan(n, &i)
	lines := strings.Split(string(data), "\n")
	if i < 1 || i > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[i-1])
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n") + "\n"
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}
