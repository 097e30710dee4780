//go:build linux && (amd64 || arm64)

package scripttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestGradeReport(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "get_basic.txtar")
	os.WriteFile(script, []byte("# lesson: Get\nexec prog get\nstdout '^got: 1$'\n"), 0o644)
	log := "> exec prog get\n[stdout]\ngot: 2\nFAIL: " + script + ":3: no match for `^got: 1$` found in stdout\n"
	g := &grade{dir: dir, scenarios: map[string]*scenario{
		"get_basic": {name: "get_basic", log: log, lessonFunctions: []string{"Get"}},
		"put_basic": {name: "put_basic", passed: true, lessonFunctions: []string{"Put", "Get"}},
		"perm":      {name: "perm", skipped: true, skipWhy: "needs root", lessonFunctions: []string{"Put"}},
		"perm2":     {name: "perm2", skipped: true, skipWhy: "needs root"},
		// Fails first by name, but on a stub: the learner's mistake in
		// get_basic is the failure to show.
		"a_stub": {name: "a_stub", log: "> exec prog put\n[stderr]\nprog: exercise not done: Put\nFAIL: x.txtar:2: unexpected command failure\n", lessonFunctions: []string{"Put"}},
	}}
	var b strings.Builder
	g.report(&b, "06-shmfifo")
	got := b.String()
	for _, want := range []string{
		"grade 06-shmfifo: 1/3 scenarios pass (2 skipped: needs root: perm, perm2)\n",
		"  Put: 1/2, Get: 1/2\n",
		"first failure: get_basic (" + script + ":3)\n",
		"  expected: stdout '^got: 1$'\n",
		"  failed:   no match for `^got: 1$` found in stdout\n",
		"    got: 2\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

// A check in a later phase than its command still shows what the command
// printed; go test is handed the failed phase only, as testscript would.
func TestGradeOutputOfAnEarlierPhase(t *testing.T) {
	log := "# lesson: Get (0.000s)\n# the value (0.010s)\n> exec prog get\n[stdout]\ngot: 2\n# and its check (0.000s)\n> stdout '^got: 1$'\nFAIL: x.txtar:5: no match for `^got: 1$` found in stdout\n"
	got := describeFailure(t.TempDir(), &scenario{name: "get", log: log})
	for _, want := range []string{"  got:\n    > exec prog get\n", "    got: 2\n", "    > stdout '^got: 1$'\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("failure lacks %q:\n%s", want, got)
		}
	}
	want := "# lesson: Get (0.000s)\n# the value (0.010s)\n# and its check (0.000s)\n> stdout '^got: 1$'\nFAIL: x.txtar:5: no match for `^got: 1$` found in stdout\n"
	if q := failedPhase(log); q != want {
		t.Errorf("failedPhase:\n%s\nwant:\n%s", q, want)
	}
}

// The grade line CI's exercise check reads keeps its shape when nothing is
// skipped.
func TestGradeLineWithoutSkips(t *testing.T) {
	g := &grade{scenarios: map[string]*scenario{"a": {name: "a", passed: true}}}
	var b strings.Builder
	g.report(&b, "01-mmap")
	if b.String() != "grade 01-mmap: 1/1 scenarios pass\n" {
		t.Errorf("got %q", b.String())
	}
}

// The watchdog's kill finds a scenario's processes by the mark in their
// environment, and only those.
func TestKillMarked(t *testing.T) {
	mark := scenarioEnv + "=test-" + t.Name()
	marked := exec.Command("sleep", "60")
	marked.Env = append(os.Environ(), mark)
	other := exec.Command("sleep", "60")
	other.Env = append(os.Environ(), mark+"x")
	for _, c := range []*exec.Cmd{marked, other} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	defer other.Process.Kill()
	killMarked(mark)
	done := make(chan error, 1)
	go func() { done <- marked.Wait() }()
	select {
	case err := <-done:
		if ws, ok := marked.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Errorf("marked process ended with %v, want SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		marked.Process.Kill()
		t.Fatal("the marked process was not killed")
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process without the exact mark was killed: %v", err)
	}
}
