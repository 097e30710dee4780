//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// zhClaimsHeader is the header of a Chinese claims table.
const zhClaimsHeader = "| 笔记 | 笔记的说法 | Linux 的实际行为 | 场景 |"

// TestChineseREADMEs checks that every README has its Chinese twin, that
// each links to the other in its first lines, and that a chapter's Chinese
// claims table has the same rows as the English one: row by row, the same
// scenario links. (TestREADMELinks checks that the links resolve.)
func TestChineseREADMEs(t *testing.T) {
	readmes, _ := filepath.Glob("[0-9][0-9]-*/README.md")
	readmes = append(readmes, "README.md")
	for _, en := range readmes {
		zh := strings.TrimSuffix(en, ".md") + ".zh-CN.md"
		zhText, err := os.ReadFile(zh)
		if err != nil {
			t.Errorf("%s: no Chinese README beside it (%v)", en, err)
			continue
		}
		enText, _ := os.ReadFile(en)
		if !linksTo(string(enText), "README.zh-CN.md") {
			t.Errorf("%s: its first lines do not link to README.zh-CN.md", en)
		}
		if !linksTo(string(zhText), "README.md") {
			t.Errorf("%s: its first lines do not link to README.md", zh)
		}
		if en == "README.md" {
			continue
		}
		enRows := scenarioLinks(t, en, string(enText), claimsHeader)
		zhRows := scenarioLinks(t, zh, string(zhText), zhClaimsHeader)
		if len(enRows) != len(zhRows) {
			t.Errorf("%s has %d claims rows, %s %d", en, len(enRows), zh, len(zhRows))
			continue
		}
		for i := range enRows {
			if enRows[i] != zhRows[i] {
				t.Errorf("%s row %d: scenarios %s, but %s: %s", zh, i+1, zhRows[i], en, enRows[i])
			}
		}
	}
}

// linksTo reports whether one of the first ten lines links to target.
func linksTo(text, target string) bool {
	lines := strings.SplitN(text, "\n", 11)
	return strings.Contains(strings.Join(lines[:min(10, len(lines))], "\n"), "]("+target+")")
}

var anyLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// scenarioLinks gives, per row of the claims table under header, the link
// targets of its last cell, joined.
func scenarioLinks(t *testing.T, name, text, header string) []string {
	_, table, ok := strings.Cut(text, header+"\n")
	if !ok {
		t.Errorf("%s: no claims table with the header %q", name, header)
		return nil
	}
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := splitRow(line)
		var targets []string
		for _, m := range anyLink.FindAllStringSubmatch(cells[len(cells)-1], -1) {
			targets = append(targets, m[1])
		}
		rows = append(rows, strings.Join(targets, " "))
	}
	return rows
}
