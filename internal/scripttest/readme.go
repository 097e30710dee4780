//go:build linux && (amd64 || arm64)

package scripttest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Markers around the tour output in a chapter README.
const (
	tourBegin = "<!-- tour output: begin (checked by TestREADME; SHMLAB_UPDATE_README=1 go test -run TestREADME rewrites it) -->"
	tourEnd   = "<!-- tour output: end -->"
)

// CheckTour runs `program` with no arguments (the tour) and compares what it
// prints with the block between the tour markers of readme, so that the
// output a chapter README shows is the output the program gives. Facts whose
// values change from run to run (a pid, a time, an address) are named in
// volatile: only their names are compared. With SHMLAB_UPDATE_README=1 the
// block is rewritten from this run instead.
//
// program must be on PATH: TestMain's scripttest.Main puts it there.
func CheckTour(t *testing.T, program, readme string, volatile ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		// The README shows the tour as root, which runs the unprivileged side
		// of the permission and memory-lock steps as uid 65534; as another
		// user those steps print other (equally true) rows.
		t.Skip("the README's tour output was made as root; run the tests as root to check it")
	}
	path, err := exec.LookPath(program)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && strings.Contains(stderr.String(), "exercise not done") {
		// Built with -tags exercise: the tour needs the learner's code.
		t.Skipf("the tour needs the exercise done first: %s", strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		t.Fatalf("%s (the tour): %v\n%s", program, err, stderr.String())
	}
	got := "```\n$ go run ./" + chapterDir() + "\n" + TrimLines(string(out)) + "```\n"
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	i := strings.Index(s, tourBegin)
	j := strings.Index(s, tourEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no tour block; put the two lines\n%s\n%s\nwhere the tour output goes", readme, tourBegin, tourEnd)
	}
	have := s[i+len(tourBegin)+1 : j]
	if os.Getenv("SHMLAB_UPDATE_README") == "1" {
		s = s[:i+len(tourBegin)] + "\n" + got + s[j:]
		if err := os.WriteFile(readme, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if mask(have, volatile) != mask(got, volatile) {
		t.Errorf("%s: the tour output in the README is not what the program prints.\n"+
			"Run SHMLAB_UPDATE_README=1 go test -run TestREADME ./%s to rewrite it.\n--- README\n%s\n--- program\n%s",
			readme, chapterDir(), have, got)
	}
}

func mask(s string, volatile []string) string {
	for _, name := range volatile {
		re := regexp.MustCompile(`(?m)^(` + regexp.QuoteMeta(name) + `): .*$`)
		s = re.ReplaceAllString(s, "$1: *")
	}
	return s
}

// chapterDir is the name of the package directory the test runs in.
func chapterDir() string {
	wd, _ := os.Getwd()
	return wd[strings.LastIndex(wd, "/")+1:]
}
