package calendar_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestREADMECalendarTour checks that the README's "Google Calendar sync"
// tour is the body of Example (syncer_example_test.go) from the line
// after "// (end of setup)" to its // Output: comment, whose text is the
// README's "It prints" block: the tour cannot drift from the API.
func TestREADMECalendarTour(t *testing.T) {
	src, err := os.ReadFile("syncer_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "syncer_example_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, d := range f.Decls {
		if d, ok := d.(*ast.FuncDecl); ok && d.Name.Name == "Example" {
			body = string(src[fset.Position(d.Body.Lbrace).Offset+1 : fset.Position(d.Body.Rbrace).Offset])
		}
	}
	_, body, ok := strings.Cut(body, "// (end of setup)\n")
	if !ok {
		t.Fatal("Example has no // (end of setup) line")
	}
	code, output, ok := strings.Cut(body, "\t// Output:\n")
	if !ok {
		t.Fatal("Example has no // Output:")
	}
	lines := strings.Split(strings.Trim(code, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(output), "\n") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(l), "// "))
	}
	want := "```go\n" + strings.Join(lines, "\n") + "\n```\n\nIt prints:\n\n```\n" + strings.Join(out, "\n") + "\n```\n"
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not show the calendar tour of syncer_example_test.go; it should contain:\n%s", want)
	}
}
