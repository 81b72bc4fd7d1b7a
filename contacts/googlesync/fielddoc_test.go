package googlesync_test

import (
	"testing"

	"github.com/kithhq/kith/internal/doccheck"
)

// TestReportFieldsSayWhatTheyCount: every field of the reports a host
// reads has its own doc comment (go doc shows it), which names what it
// counts; a field sharing a group comment must be named in it.
func TestReportFieldsSayWhatTheyCount(t *testing.T) {
	doccheck.Fields(t, ".", "AllReport", "Progress", "Report")
}
