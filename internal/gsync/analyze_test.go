package gsync

import (
	"context"
	"database/sql"
	"slices"
	"testing"
)

type countExec struct{ stmts []string }

func (c *countExec) ExecContext(_ context.Context, q string, _ ...any) (sql.Result, error) {
	c.stmts = append(c.stmts, q)
	return nil, nil
}

// The Loader refreshes after MinBulkLoad rows, then after each doubling,
// and at the end of a pass that loaded rows since; a pass that loads a
// few rows never does.
func TestLoaderRefreshesOnDoubling(t *testing.T) {
	var db countExec
	l := NewLoader("crm", "contacts", "contact_emails")
	var at []int
	for page := 1; page <= 10; page++ {
		ok, err := l.Loaded(context.Background(), &db, 300, page == 10)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			at = append(at, page)
		}
	}
	// 600 rows (page 2), 1,200 (4), 2,400 (8), the end (10).
	if want := []int{2, 4, 8, 10}; !slices.Equal(at, want) {
		t.Errorf("refreshed after pages %v, want %v", at, want)
	}
	if len(db.stmts) == 0 || db.stmts[0] != `ANALYZE "crm".contacts, "crm".contact_emails` {
		t.Errorf("statements %q", db.stmts)
	}
	few := NewLoader("kith", "contacts")
	for page := 1; page <= 3; page++ {
		if ok, _ := few.Loaded(context.Background(), &db, 100, page == 3); ok {
			t.Errorf("a pass of 300 rows refreshed after page %d", page)
		}
	}
}
