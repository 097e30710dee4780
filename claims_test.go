//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The header every chapter's claims table has, and the markers of the
// root README's index.
const (
	claimsHeader = "| notes | the notes say | Linux does | scenario |"
	indexBegin   = "<!-- claims index: begin (generated from the chapter tables; SHMLAB_UPDATE_README=1 go test -run TestClaimsIndex . rewrites it) -->"
	indexEnd     = "<!-- claims index: end -->"
)

// claim is one row of a chapter's claims table.
type claim struct {
	chapter                      string
	notes, says, linux, scenario string
}

// TestClaimsIndex checks that the root README's index of the places where
// the notes are wrong or half true is exactly the rows of the chapter
// tables whose verdict does not start with "holds", with the links made
// relative to the root. The chapter tables are the source; the index is
// generated from them, so the two cannot disagree.
func TestClaimsIndex(t *testing.T) {
	readmes, _ := filepath.Glob("[0-9][0-9]-*/README.md")
	var rows []string
	for _, readme := range readmes {
		claims, err := readClaims(readme)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if strings.HasPrefix(strings.ToLower(c.linux), "holds") {
				continue
			}
			rows = append(rows, fmt.Sprintf("| [%s](%s/README.md) | %s | %s | %s | %s |",
				c.chapter[:2], c.chapter, c.notes, c.says, c.linux, c.scenario))
		}
	}
	got := "| chapter | notes | the notes say | what Linux does | proved by |\n| --- | --- | --- | --- | --- |\n" +
		strings.Join(rows, "\n") + "\n"
	text, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	i, j := strings.Index(s, indexBegin), strings.Index(s, indexEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md: no claims index; put\n%s\n%s\nwhere it goes", indexBegin, indexEnd)
	}
	if os.Getenv("SHMLAB_UPDATE_README") == "1" {
		s = s[:i+len(indexBegin)] + "\n" + got + s[j:]
		if err := os.WriteFile("README.md", []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if have := s[i+len(indexBegin)+1 : j]; have != got {
		t.Errorf("README.md: the claims index is not the chapter tables' rows.\n"+
			"Run SHMLAB_UPDATE_README=1 go test -run TestClaimsIndex . to rewrite it.\n--- README\n%s\n--- generated\n%s", have, got)
	}
}

// cellSep splits a table row at the bars that are not escaped (\|).
var cellSep = regexp.MustCompile(`(^|[^\\])\|`)

// readClaims reads the claims table of a chapter README: the rows after
// claimsHeader, with the scenario links made relative to the root.
func readClaims(readme string) ([]claim, error) {
	text, err := os.ReadFile(readme)
	if err != nil {
		return nil, err
	}
	chapter := filepath.Dir(readme)
	_, table, ok := strings.Cut(string(text), claimsHeader+"\n")
	if !ok {
		return nil, fmt.Errorf("%s: no claims table with the header %q", readme, claimsHeader)
	}
	var out []claim
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := splitRow(line)
		if len(cells) != 4 {
			return nil, fmt.Errorf("%s: claims row with %d cells, want 4: %s", readme, len(cells), line)
		}
		out = append(out, claim{chapter, cells[0], cells[1], cells[2], rebase(chapter, cells[3])})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: the claims table has no rows", readme)
	}
	return out, nil
}

// splitRow gives the cells of a markdown table row, trimmed.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	marked := cellSep.ReplaceAllString(line, "$1\x00")
	parts := strings.Split(marked, "\x00")
	var cells []string
	for _, p := range parts[1 : len(parts)-1] {
		cells = append(cells, strings.TrimSpace(p))
	}
	return cells
}

// link is a markdown link with a relative target.
var link = regexp.MustCompile(`\]\(([^)#\s:]+)\)`)

// rebase makes the relative links of a chapter's cell relative to the root.
func rebase(chapter, cell string) string {
	return link.ReplaceAllStringFunc(cell, func(m string) string {
		target := link.FindStringSubmatch(m)[1]
		return "](" + filepath.ToSlash(filepath.Join(chapter, target)) + ")"
	})
}
