//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// scriptLine is a line that reads like a testscript command: an optional
// "!" and [conditions], then one of testscript's commands or the lab's own.
var scriptLine = regexp.MustCompile(`^(!\s+)?(\[[^\]]+\]\s+)*(exec|stdout|stderr|cmp|cmpenv|wait|waitfile|waitgone|fact|skip|env|cd|kill|exists|mkdir|rm|cp|chmod|stop|unquote|symlink|grep)\s`)

// TestNoCommandsInFiles fails for a scenario whose file section (after a
// `-- name --` line) holds a line that looks like a command: testscript
// takes everything after the first such line as files, so commands written
// after a file section silently never run.
func TestNoCommandsInFiles(t *testing.T) {
	var scripts []string
	for _, pat := range []string{"testdata/*.txtar", "*/testdata/*/*.txtar", "internal/*/testdata/*/*.txtar"} {
		m, _ := filepath.Glob(pat)
		scripts = append(scripts, m...)
	}
	if len(scripts) < 50 {
		t.Fatalf("found only %d scenarios: is the glob wrong?", len(scripts))
	}
	for _, path := range scripts {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range a.Files {
			if isProgram(f.Name) {
				continue // a shell or Python script has commands of its own
			}
			for i, line := range strings.Split(string(f.Data), "\n") {
				if scriptLine.MatchString(strings.TrimSpace(line)) {
					t.Errorf("%s: file section %q, line %d reads like a command that will never run: %q\n"+
						"(commands go before the first -- file -- line)", path, f.Name, i+1, line)
				}
			}
		}
	}
}

// isProgram reports whether a file section is a program (whose lines may
// well read like commands) rather than data.
func isProgram(name string) bool {
	switch filepath.Ext(name) {
	case ".sh", ".py", ".pl", ".c", ".h", ".go":
		return true
	}
	return false
}
