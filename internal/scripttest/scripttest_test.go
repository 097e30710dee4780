//go:build linux && (amd64 || arm64)

package scripttest

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) { Main(m, nil) }

func TestPlumbing(t *testing.T) {
	testscript.Run(t, Params("testdata/script"))
}

func TestGORACESet(t *testing.T) {
	if os.Getenv("GORACE") == "" {
		t.Error("Main did not set GORACE")
	}
}

// A scenario that fails on an exercise stub is skipped, not failed; the
// others run as usual. (Were the stub scenario failed, so would this test.)
func TestRunSkippingStubs(t *testing.T) {
	RunSkippingStubs(t, Params("testdata/stubs"))
}
