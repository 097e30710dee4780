// Command grade shows a learner's progress through the six chapters in one
// table: it runs every chapter's graded scenarios against the exercise code
// (go test -tags exercise) and prints each chapter's grade line.
//
//	go run ./grade              your code (exercise.go)
//	go run ./grade -reference   the lab's own lesson (lab.go): every row N/N
//	go run ./grade 03-sysv      only the chapters named
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// gradeLine is what each chapter's TestScripts prints when it ends.
var gradeLine = regexp.MustCompile(`^grade (\S+): (\d+)/(\d+) scenarios pass(?: \((.*)\))?$`)

func main() {
	reference := flag.Bool("reference", false, "grade the lab's own lessons (lab.go) instead of your exercise.go")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./grade [-reference] [CHAPTER...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	chapters := flag.Args()
	if len(chapters) == 0 {
		chapters, _ = filepath.Glob("[0-9][0-9]-*")
	}
	if len(chapters) == 0 {
		fmt.Fprintln(os.Stderr, "grade: no chapter folders here: run it from the root of the lab")
		os.Exit(2)
	}
	args := []string{"test", "-count=1", "-v", "-run", "^TestScripts$"}
	if !*reference {
		args = append(args, "-tags", "exercise")
	}
	for _, c := range chapters {
		args = append(args, "./"+strings.TrimSuffix(c, "/"))
	}
	fmt.Fprintf(os.Stderr, "go %s\n", strings.Join(args, " "))
	out, _ := exec.Command("go", args...).CombinedOutput() // a failing scenario is a grade, not an error
	os.Exit(table(out, chapters))
}

// table prints one row per chapter from the grade lines in out, and the
// detail lines that follow each (per function, first failure). It returns
// the exit status: 0 when every scenario that ran passed.
func table(out []byte, chapters []string) int {
	rows := map[string][]string{}
	detail := map[string][]string{}
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := gradeLine.FindStringSubmatch(line); m != nil {
			current = m[1]
			rows[current] = m[2:]
			continue
		}
		if current != "" && (strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "first failure:")) {
			detail[current] = append(detail[current], line)
			continue
		}
		current = ""
	}
	status := 0
	fmt.Printf("%-14s %7s  %s\n", "chapter", "grade", "skipped")
	for _, c := range chapters {
		c = strings.TrimSuffix(c, "/")
		r, ok := rows[c]
		if !ok {
			fmt.Printf("%-14s %7s  (no grade line: does it build? go test -tags exercise ./%s)\n", c, "?", c)
			status = 1
			continue
		}
		fmt.Printf("%-14s %7s  %s\n", c, r[0]+"/"+r[1], r[2])
		if r[0] != r[1] {
			status = 1
		}
	}
	for _, c := range chapters {
		c = strings.TrimSuffix(c, "/")
		if len(detail[c]) > 0 {
			fmt.Printf("\n%s:\n%s\n", c, strings.Join(detail[c], "\n"))
		}
	}
	return status
}
