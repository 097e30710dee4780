//go:build linux && (amd64 || arm64)

package scripttest

import (
	"fmt"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// RunSkippingStubs runs scenarios like testscript.Run, except that a
// scenario that fails because it reached an exercise stub (a program said
// `exercise not done: ...`) is skipped, saying which function is not done
// yet. The root scenarios use it with -tags exercise: they combine several
// chapters, and a learner working on chapter 03 should not see chapter 06's
// interop scenarios fail for a lesson they have not started.
func RunSkippingStubs(t *testing.T, p testscript.Params) {
	testscript.RunT(stubT{T: t}, p)
}

// notDone finds the stub a program reported.
var notDone = regexp.MustCompile(`exercise not done: (\S+ \(notes [^)]*\))`)

// stubT runs each scenario in a goroutine of its own, so that testscript's
// FailNow and Skip end only that goroutine; the test's goroutine then
// decides, with the whole log in hand, whether the failure was a stub.
type stubT struct {
	*testing.T
	r *stubRun // nil for the parent test
}

// stubRun is how one scenario's goroutine ended.
type stubRun struct {
	mu              sync.Mutex
	log, skipWhy    string
	failed, skipped bool
}

func (t stubT) Verbose() bool { return testing.Verbose() }

func (t stubT) Log(args ...any) {
	if t.r == nil {
		t.T.Log(args...)
		return
	}
	t.r.mu.Lock()
	t.r.log += fmt.Sprint(args...)
	t.r.mu.Unlock()
}

func (t stubT) Fatal(args ...any) {
	if t.r == nil {
		t.T.Fatal(args...)
	}
	t.Log(args...)
	t.FailNow()
}

func (t stubT) FailNow() {
	if t.r == nil {
		t.T.FailNow()
	}
	t.r.mu.Lock()
	t.r.failed = true
	t.r.mu.Unlock()
	runtime.Goexit()
}

func (t stubT) Skip(args ...any) {
	if t.r == nil {
		t.T.Skip(args...)
	}
	t.r.mu.Lock()
	t.r.skipped, t.r.skipWhy = true, fmt.Sprint(args...)
	t.r.mu.Unlock()
	runtime.Goexit()
}

func (t stubT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(st *testing.T) {
		r := &stubRun{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			f(stubT{T: st, r: r})
		}()
		<-done
		r.mu.Lock()
		defer r.mu.Unlock()
		switch m := notDone.FindStringSubmatch(r.log); {
		case r.failed && m != nil:
			st.Skipf("a lesson it uses is still a stub: %s is not done yet", m[1])
		case r.failed:
			st.Log(r.log)
			st.FailNow()
		case r.skipped:
			st.Skip(r.skipWhy)
		default:
			if testing.Verbose() {
				st.Log(r.log)
			}
		}
	})
}
