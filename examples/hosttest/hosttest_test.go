package hosttest_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/examples/hosttest"
	"github.com/kithhq/kith/kithtest"
)

// TestMain lets kithtest stop its throwaway PostgreSQL when the tests end.
func TestMain(m *testing.M) { kithtest.Main(m) }

func TestMetAt(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t) // a migrated database of this test's own

	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user, at := uuid.New(), time.Date(2026, 11, 3, 18, 30, 0, 0, time.UTC)
	c, err := hosttest.MetAt(t.Context(), store, user, "Ada Lovelace", at)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Ada Lovelace" || c.LastContactDate == nil || !c.LastContactDate.Equal(at) {
		t.Errorf("stored %q last contacted %v, want Ada Lovelace at %v", c.Name, c.LastContactDate, at)
	}
}

// Each test's database is its own: a contact made in another test (or
// another package's tests, run at the same time) is never seen here.
func TestIsolated(t *testing.T) {
	t.Parallel()
	var n int
	if err := kithtest.DB(t).Get(&n, `SELECT count(*) FROM kith.contacts`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a new database holds %d contacts, want 0", n)
	}
}
