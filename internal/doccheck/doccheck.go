// Package doccheck holds test helpers that check kith's doc comments from
// the source, so that what go doc shows a host stays complete.
package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fields fails t unless every field of each named struct type declared in
// the package in dir (its non-test files) has a doc comment of its own, or
// shares a group comment that names it, and unless every type is found.
func Fields(t testing.TB, dir string, types ...string) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	found := map[string]bool{}
	{
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				want := false
				for _, ty := range types {
					want = want || ty == ts.Name.Name
				}
				if !ok || !want {
					return true
				}
				found[ts.Name.Name] = true
				var group string
				for _, fld := range st.Fields.List {
					doc := fld.Doc.Text() + fld.Comment.Text()
					if fld.Doc != nil {
						group = doc
					} else if doc == "" {
						doc = group // a field after a group comment, with no blank line between
					}
					for _, name := range fld.Names {
						switch {
						case doc == "":
							t.Errorf("%s.%s has no doc comment", ts.Name.Name, name.Name)
						case len(fld.Names) > 1 || fld.Doc == nil && fld.Comment == nil:
							if !strings.Contains(doc, name.Name) {
								t.Errorf("%s.%s shares a comment that does not name it", ts.Name.Name, name.Name)
							}
						}
					}
				}
				return false
			})
		}
	}
	for _, ty := range types {
		if !found[ty] {
			t.Errorf("type %s not found", ty)
		}
	}
}
