//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMELinks checks that every relative link of every README (the
// claims tables name their scenarios this way) points at a file that exists.
func TestREADMELinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	readmes, _ := filepath.Glob("*/README*.md")
	top, _ := filepath.Glob("*.md")
	more, _ := filepath.Glob("*/BENCH.md")
	readmes = append(append(readmes, top...), more...)
	for _, readme := range readmes {
		text, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			path := filepath.Join(filepath.Dir(readme), target)
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link to %s: no such file", readme, target)
			}
		}
	}
}

// maxREADME is the most a chapter's README may hold (DESIGN.md: 20,000
// characters; counted here in bytes, as the team's check does, which is
// stricter for the Chinese ones): a learner reads it to the end.
const maxREADME = 20000

// TestREADMELength keeps every chapter README, English and Chinese, under
// maxREADME bytes.
func TestREADMELength(t *testing.T) {
	files, _ := filepath.Glob("[0-9][0-9]-*/README*.md")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(data); n >= maxREADME {
			t.Errorf("%s: %d bytes, at most %d: say it shorter", path, n, maxREADME-1)
		}
	}
}
