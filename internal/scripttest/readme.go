//go:build linux && (amd64 || arm64)

package scripttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shmlab/internal/cli"
	"shmlab/internal/track"
	"shmlab/internal/unpriv"
)

// Markers around the tour output in a chapter README.
const (
	tourBegin = "<!-- tour output: begin (checked by TestREADME; SHMLAB_UPDATE_README=1 go test -run TestREADME rewrites it) -->"
	tourEnd   = "<!-- tour output: end -->"
	helpBegin = "<!-- experiments: begin (checked by TestREADME against -h; SHMLAB_UPDATE_README=1 go test -run TestREADME rewrites it) -->"
	helpEnd   = "<!-- experiments: end -->"
)

// CheckTour runs `program` with no arguments (the tour) and compares what it
// prints with the block between the tour markers of readme, so that the
// output a chapter README shows is the output the program gives. Facts whose
// values change from run to run or from user to user (a pid, a time, an
// address, a uid) are named in volatile: only their names are compared.
//
// The README shows what a learner sees, and a learner is usually not root:
// so the tour must print the same lines whoever runs it. Run as root, the
// check runs the tour twice, as root and as uid 65534 (unpriv), and both
// must match; run as another user, once, as that user. With
// SHMLAB_UPDATE_README=1 the block is rewritten from this run instead.
//
// program must be on PATH: TestMain's scripttest.Main puts it there.
func CheckTour(t *testing.T, program, readme string, volatile ...string) {
	t.Helper()
	runs := []string{"this user"}
	if unpriv.IsRoot() {
		runs = append(runs, fmt.Sprintf("uid %d", unpriv.UID))
	}
	for i, who := range runs {
		out, err := runTour(t, program, who != "this user")
		if err != nil && strings.Contains(err.Error(), "exercise not done") {
			// Built with -tags exercise: the tour needs the learner's code.
			t.Skipf("the tour needs the exercise done first: %v", err)
		}
		if err != nil {
			t.Fatalf("%s (the tour, as %s): %v", program, who, err)
		}
		got := "```\n$ go run ./" + chapterDir() + "\n" + TrimLines(out) + "```\n"
		// With SHMLAB_UPDATE_README=1 the first run (this user) writes the
		// block and the others are checked against it.
		checkBlock(t, readme, tourBegin, tourEnd, got, "the tour output (run as "+who+")", volatile, i == 0)
	}
}

// runTour runs the tour, as uid 65534 through unpriv if asked. What it
// makes is recorded (internal/track) and removed afterwards, as a
// scenario's objects are: a tour that fails half way (a learner's stub
// that says "exercise not done") leaves nothing behind.
func runTour(t *testing.T, program string, asUnpriv bool) (string, error) {
	path, err := exec.LookPath(program)
	if err != nil {
		return "", err
	}
	dir := t.TempDir()
	rec := filepath.Join(dir, ".shmlab-created")
	defer Cleanup(0, "", rec)
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), track.Env+"="+rec)
	if asUnpriv {
		u, err := exec.LookPath("unpriv")
		if err != nil {
			return "", err
		}
		cmd = exec.Command(u, program)
		cmd.Env = append(os.Environ(), track.Env+"="+rec)
		cmd.Dir = os.TempDir() // a directory uid 65534 may enter
		if urec, err := unprivRecord(dir); err == nil {
			cmd.Env = append(cmd.Env, unpriv.TrackEnv+"="+urec)
			defer cleanupUnpriv(urec)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// unprivRecord makes a directory in dir that uid 65534 owns (dir and its
// parent made searchable) and returns the record file there.
func unprivRecord(dir string) (string, error) {
	os.Chmod(filepath.Dir(dir), 0o711)
	os.Chmod(dir, 0o711)
	u := filepath.Join(dir, "unpriv")
	if err := os.Mkdir(u, 0o700); err != nil {
		return "", err
	}
	if err := os.Chown(u, unpriv.UID, unpriv.GID); err != nil {
		return "", err
	}
	return filepath.Join(u, ".shmlab-created"), nil
}

// CheckHelp compares `program -h` with the block between the experiments
// markers of readme: the README's list of experiments is what -h prints.
func CheckHelp(t *testing.T, program, readme string) {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "-h").Output()
	if err != nil {
		t.Fatalf("%s -h: %v", program, err)
	}
	got := "```\n$ go run ./" + chapterDir() + " -h\n" + TrimLines(string(out)) + "```\n"
	checkBlock(t, readme, helpBegin, helpEnd, got, "the experiments list (-h)", nil, true)
}

// CheckProgram fails the test for every inconsistency of the program's
// declarations (cli.Program.Check): an experiment whose usage line shows a
// flag it does not declare, or declares one it does not show.
func CheckProgram(t *testing.T, p *cli.Program) {
	t.Helper()
	for _, err := range p.Check() {
		t.Error(err)
	}
}

// checkBlock compares got with the block of readme between begin and end
// (masking the volatile facts), or rewrites the block with
// SHMLAB_UPDATE_README=1 when mayUpdate.
func checkBlock(t *testing.T, readme, begin, end, got, what string, volatile []string, mayUpdate bool) {
	t.Helper()
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	i := strings.Index(s, begin)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no block for %s; put the two lines\n%s\n%s\nwhere it goes", readme, what, begin, end)
	}
	have := s[i+len(begin)+1 : j]
	if os.Getenv("SHMLAB_UPDATE_README") == "1" && mayUpdate {
		s = s[:i+len(begin)] + "\n" + got + s[j:]
		if err := os.WriteFile(readme, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if mask(have, volatile) != mask(got, volatile) {
		t.Errorf("%s: %s in the README is not what the program prints.\n"+
			"Run SHMLAB_UPDATE_README=1 go test -run TestREADME ./%s to rewrite it.\n--- README\n%s\n--- program\n%s",
			readme, what, chapterDir(), have, got)
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
