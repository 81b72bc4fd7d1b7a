package gsync

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReexportedTypesDocumentTheirFields: go doc shows no fields for an
// alias of a type declared here, so each sync package's alias
// (googlesync.Status = gsync.Status, ...) spells the type out in its doc
// comment. This test keeps those comments true: every exported field of
// the target, with its type, and the underlying type of a non-struct.
func TestReexportedTypesDocumentTheirFields(t *testing.T) {
	fset := token.NewFileSet()
	here := parseDir(t, fset, ".")
	decls := map[string]*ast.TypeSpec{}
	for _, f := range here {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					decls[ts.Name.Name] = ts
				}
			}
		}
	}
	expr := func(e ast.Expr) string {
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, e); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, dir := range []string{"../../contacts/googlesync", "../../calendar"} {
		checked := 0
		for _, f := range parseDir(t, fset, dir) {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					sel, ok := ts.Type.(*ast.SelectorExpr)
					if !ts.Assign.IsValid() || !ok || expr(sel.X) != "gsync" {
						continue
					}
					target, ok := decls[sel.Sel.Name]
					if !ok {
						t.Errorf("%s: %s aliases gsync.%s, not found", dir, ts.Name.Name, sel.Sel.Name)
						continue
					}
					doc := ""
					if ts.Doc != nil {
						doc = ts.Doc.Text()
					} else if g.Doc != nil {
						doc = g.Doc.Text()
					}
					checked++
					st, isStruct := target.Type.(*ast.StructType)
					if !isStruct {
						want := "\ttype " + ts.Name.Name + " " + expr(target.Type)
						if !strings.Contains(doc, want) {
							t.Errorf("%s: the doc of %s does not say %q", dir, ts.Name.Name, want)
						}
						continue
					}
					if !strings.Contains(doc, "\ttype "+ts.Name.Name+" struct {") {
						t.Errorf("%s: the doc of %s does not spell out its struct", dir, ts.Name.Name)
					}
					for _, fld := range st.Fields.List {
						for _, n := range fld.Names {
							if !n.IsExported() {
								continue
							}
							re := regexp.MustCompile(`(?m)^\t\t` + n.Name + `\s+` + regexp.QuoteMeta(expr(fld.Type)) + `(\s|$)`)
							if !re.MatchString(doc) {
								t.Errorf("%s: the doc of %s does not list field %s %s", dir, ts.Name.Name, n.Name, expr(fld.Type))
							}
						}
					}
				}
			}
		}
		if checked < 8 {
			t.Errorf("%s: %d aliases of gsync types checked, want at least 8", dir, checked)
		}
	}
	// The doc of Run quotes the history's length.
	b, err := os.ReadFile("../../contacts/googlesync/syncer.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), fmt.Sprintf("newest %d runs", KeptRuns)) {
		t.Errorf("googlesync's Run doc does not say the history keeps %d runs", KeptRuns)
	}
}

func parseDir(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}
