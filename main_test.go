//go:build linux && (amd64 || arm64)

// The root tests: scenarios that use several chapters' programs at once, and
// interop with the system's tools, C, Python and perl (testdata/*.txtar).
package shmlab_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"shmlab/internal/scripttest"
)

// programs maps each chapter folder to the name its program has in scenarios.
var programs = map[string]string{
	"01-mmap":      "mmap",
	"02-anon-fork": "anonfork",
	"03-sysv":      "sysv",
	"04-posix":     "posix",
	"05-sync-lock": "synclock",
	"06-shmfifo":   "shmfifo",
}

func TestMain(m *testing.M) {
	scripttest.Main(m, nil) // registers the `unpriv` helper
}

// TestCrossChapter builds every chapter program present, puts them on PATH,
// and runs testdata/*.txtar. The programs are built with the tags of this
// test (buildTags): with -tags exercise, the learner's code meets C, Python
// and the system's tools too.
func TestCrossChapter(t *testing.T) {
	bin := t.TempDir()
	os.Chmod(bin, 0o755) // the unprivileged side of a scenario runs them too
	var built []string
	for dir, name := range programs {
		if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
			continue // chapter not written yet
		}
		out, err := exec.Command("go", "build", "-tags", buildTags, "-o", filepath.Join(bin, name), "./"+dir).CombinedOutput()
		if err != nil {
			t.Fatalf("go build ./%s: %v\n%s", dir, err, out)
		}
		built = append(built, name)
	}
	t.Logf("programs on PATH: %v", built)
	p := scripttest.Params("testdata")
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
		return setup(env)
	}
	p.Condition = func(cond string) (bool, error) {
		// [prog:NAME]: the chapter program NAME has been built.
		if name, ok := cutPrefix(cond, "prog:"); ok {
			_, err := os.Stat(filepath.Join(bin, name))
			return err == nil, nil
		}
		return scripttest.Condition(cond)
	}
	if buildTags == "exercise" {
		// A scenario that reaches a stub of a chapter not done yet is
		// skipped, saying which function, instead of failing.
		scripttest.RunSkippingStubs(t, p)
		return
	}
	testscript.Run(t, p)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}
