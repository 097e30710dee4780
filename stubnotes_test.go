//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStubNotes checks that what a stub says when it is run (`exercise not
// done: Info (notes UNP2 3.8)`) names the same section of the notes as the
// function's hints (the hints may say more): a learner goes from one to the
// other.
func TestStubNotes(t *testing.T) {
	todo := regexp.MustCompile(`exercise\.Todo\("(\w+)", "([^"]*)"`)
	hint := regexp.MustCompile(`Func: "(\w+)", Notes: "([^"]*)"`)
	chapters, _ := filepath.Glob("[0-9][0-9]-*")
	for _, ch := range chapters {
		notes := map[string]string{}
		for _, m := range matches(t, hint, filepath.Join(ch, "hints.go")) {
			notes[m[1]] = m[2]
		}
		stubs, _ := filepath.Glob(filepath.Join(ch, "exercise*.go"))
		for _, path := range stubs {
			for _, m := range matches(t, todo, path) {
				if want, ok := notes[m[1]]; !ok {
					t.Errorf("%s: stub %s has no hints in %s/hints.go", path, m[1], ch)
				} else if first, _, _ := strings.Cut(m[2], ";"); !strings.HasPrefix(want, strings.TrimSpace(first)) {
					t.Errorf("%s: stub %s says notes %q, its hints %q", path, m[1], m[2], want)
				}
			}
		}
	}
}

func matches(t *testing.T, re *regexp.Regexp, path string) [][]string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return re.FindAllStringSubmatch(string(data), -1)
}
