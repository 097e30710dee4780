//go:build linux && (amd64 || arm64)

package shmlab_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines bounds a function of chapter code: a learner reads each one
// beside the notes, so each must fit on a screen.
const maxFuncLines = 60

// TestFunctionLength fails for every function of a chapter (tests aside)
// longer than maxFuncLines, so that an experiment stays a sequence of small
// steps, each with its comment, and never grows back into one long function.
func TestFunctionLength(t *testing.T) {
	files, _ := filepath.Glob("[0-9][0-9]-*/*.go")
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			var name string
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body, name = fn.Body, fn.Name.Name
			case *ast.FuncLit:
				body, name = fn.Body, "a function literal"
			}
			if body == nil {
				return true
			}
			from, to := fset.Position(body.Lbrace).Line, fset.Position(body.Rbrace).Line
			if lines := to - from - 1; lines > maxFuncLines {
				t.Errorf("%s:%d: %s has %d lines (at most %d: split it into steps)", path, from, name, lines, maxFuncLines)
			}
			return true
		})
	}
}
