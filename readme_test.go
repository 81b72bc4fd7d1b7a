package kith_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestREADMETour checks that the README's API tour is the body of Example
// (tour_example_test.go) after its first two lines, which get the example a
// database, and before its // Output: comment, whose text is the README's
// "It prints" block.
func TestREADMETour(t *testing.T) {
	src, err := os.ReadFile("tour_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "tour_example_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var body, imports string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.Name == "Example" {
				body = string(src[fset.Position(d.Body.Lbrace).Offset+1 : fset.Position(d.Body.Rbrace).Offset])
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				imports = string(src[fset.Position(d.Pos()).Offset:fset.Position(d.End()).Offset])
			}
		}
	}
	code, output, ok := strings.Cut(body, "\t// Output:\n")
	if !ok {
		t.Fatal("Example has no // Output:")
	}
	lines := strings.Split(strings.Trim(code, "\n"), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "defer done()") {
		t.Fatalf("Example does not start with the two lines that get its database: %q", lines[:2])
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(output), "\n") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(l), "// "))
	}
	var imps []string
	for _, l := range strings.Split(imports, "\n") {
		if !strings.Contains(l, "internal/exampledb") {
			imps = append(imps, l)
		}
	}
	want := "```go\n" + strings.Join(imps, "\n") + "\n\n" + strings.Join(lines[2:], "\n") + "\n```\n\nIt prints:\n\n```\n" + strings.Join(out, "\n") + "\n```\n"

	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(readme), want) {
		return
	}
	if os.Getenv("KITH_UPDATE_README") == "1" {
		// Replace the tour: from its ```go block to the end of "It prints".
		r := string(readme)
		start := strings.Index(r, "## API tour\n")
		from := start + strings.Index(r[start:], "```go\n")
		printed := from + strings.Index(r[from:], "It prints:\n\n```\n")
		end := printed + len("It prints:\n\n```\n") + strings.Index(r[printed+len("It prints:\n\n```\n"):], "```\n") + len("```\n")
		if start < 0 || from < start || printed < from {
			t.Fatal("README.md: cannot find the API tour to update")
		}
		if err := os.WriteFile("README.md", []byte(r[:from]+want+r[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md's API tour is not the code of Example in tour_example_test.go: run KITH_UPDATE_README=1 go test -run TestREADMETour .")
}
