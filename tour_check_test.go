package kith_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README tour is copied into programs: a result that is indexed
// (x[0], x.Field[0]) must have its call's err checked first, so that a
// failing call ends with its error, not an index-out-of-range panic.
func TestTourChecksErrBeforeIndexing(t *testing.T) {
	src, err := os.ReadFile("tour_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	index := regexp.MustCompile(`\b([a-z]\w*)(?:\.\w+)*\[0\]`)
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "//") {
			continue
		}
		for _, m := range index.FindAllStringSubmatch(l, -1) {
			assign := regexp.MustCompile(`^\s*` + m[1] + `, err :?= `)
			checked := false
			for j := i - 1; j >= 0; j-- {
				if strings.TrimSpace(lines[j]) == "if err != nil {" {
					checked = true
				}
				if assign.MatchString(lines[j]) {
					break
				}
			}
			if !checked {
				t.Errorf("tour_example_test.go:%d indexes %s before checking err", i+1, m[0])
			}
		}
	}
}
