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
