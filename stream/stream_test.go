package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
	"github.com/kithhq/kith/stream"
)

// Every order and direction yields exactly the rows and the order of one
// ORDER BY query, in pages much smaller than the set, for both
// projections, and never another user's contacts.
func TestOrders(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	fill(t, db, user, 400)
	fill(t, db, other, 100)
	for _, c := range allOrders {
		t.Run(c.String(), func(t *testing.T) {
			want := wantIDs(t, db, user, c, false)
			got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize = 7 })))
			equalIDs(t, "minimal", got, want)

			full, err := stream.Collect(stream.Contacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize = 11 })))
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, fc := range full {
				if fc.UserID != user {
					t.Fatalf("contact of user %v in the stream of %v", fc.UserID, user)
				}
				got = append(got, fc.ID)
			}
			equalIDs(t, "full", got, want)

			// The page size equal to the set's size, and one more, end
			// with an empty or short page.
			for _, n := range []int{len(want), len(want) + 1, 1} {
				got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize = n })))
				equalIDs(t, "page size edge", got, want)
			}
		})
	}
}

// MinimalContact carries the same values as the full contact.
func TestMinimalMatchesFull(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 120)
	full, err := stream.Collect(stream.Contacts(ctx, db, user, stream.Options{IncludeArchived: true}))
	if err != nil {
		t.Fatal(err)
	}
	min, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.Options{IncludeArchived: true}))
	if err != nil {
		t.Fatal(err)
	}
	if len(min) != len(full) || len(full) != 120 {
		t.Fatalf("%d minimal, %d full, want 120", len(min), len(full))
	}
	groups := 0
	for i := range full {
		w, g := full[i].Minimal(), min[i]
		if w.ID != g.ID || w.Name != g.Name || w.Frequency != g.Frequency || w.Archived != g.Archived ||
			(w.LastContactDate == nil) != (g.LastContactDate == nil) ||
			(w.LastContactDate != nil && !w.LastContactDate.Equal(*g.LastContactDate)) ||
			len(w.GroupIDs) != len(g.GroupIDs) {
			t.Fatalf("item %d: minimal %+v, full %+v", i, g, w)
		}
		groups += len(g.GroupIDs)
	}
	if groups == 0 {
		t.Fatal("no contact has a group: the test data is wrong")
	}
}

func TestArchived(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 200) // every 20th archived
	c := orderCase{contacts.ByName, contacts.Ascending, false}
	got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, stream.Options{PageSize: 9}))
	equalIDs(t, "default", got, wantIDs(t, db, user, c, false))
	if len(got) != 190 {
		t.Fatalf("%d unarchived, want 190", len(got))
	}
	all, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.Options{PageSize: 9, IncludeArchived: true}))
	if err != nil {
		t.Fatal(err)
	}
	archived := 0
	for _, m := range all {
		if m.Archived {
			archived++
		}
	}
	if len(all) != 200 || archived != 10 {
		t.Fatalf("IncludeArchived: %d contacts, %d archived; want 200, 10", len(all), archived)
	}
}

// countingDB records whether a stream ran a query.
type countingDB struct {
	kith.DB
	queries int
	limits  []any // the last argument of each query: a page's LIMIT
}

func (c *countingDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.queries++
	if len(args) > 0 {
		c.limits = append(c.limits, args[len(args)-1])
	}
	return c.DB.QueryContext(ctx, q, args...)
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	db := &countingDB{DB: kithtest.DB(t)}
	ctx := context.Background()
	user := uuid.New()
	for name, tc := range map[string]struct {
		opts stream.Options
		text string // the error names the field, its value and the bound
	}{
		"page size -1":      {stream.Options{PageSize: -1}, "stream: invalid: Options.PageSize -1: must be in [1, 100000], or 0 for the default"},
		"page size too big": {stream.Options{PageSize: stream.MaxPageSize + 1}, "Options.PageSize 100001: must be in [1, 100000]"},
		"unknown order":     {stream.Options{Order: contacts.Order(42)}, "Options.Order Order(42): must be"},
		"unknown direction": {stream.Options{Direction: contacts.Direction(7)}, "Options.Direction Direction(7): must be"},
		"bad schema":        {stream.Options{Schema: "kith; DROP TABLE x"}, "Options.Schema: "},
	} {
		n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, tc.opts), nil)
		if n != 0 || after != 0 || !errors.Is(err, stream.ErrInvalid) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %d items, then %v, then %d more; want only an ErrInvalid saying %q", name, n, err, after, tc.text)
		}
	}
	n, err, _ := errorsOf(stream.Contacts(ctx, nil, user, stream.Options{}), nil)
	if n != 0 || !errors.Is(err, stream.ErrInvalid) {
		t.Errorf("nil db: %d items, %v", n, err)
	}
	n, err, _ = errorsOf(stream.Contacts(ctx, (*sqlx.DB)(nil), user, stream.Options{}), nil)
	if n != 0 || !errors.Is(err, stream.ErrInvalid) {
		t.Errorf("typed nil db: %d items, %v", n, err)
	}
	n, err, _ = errorsOf(stream.MinimalContacts(ctx, db, uuid.Nil, stream.Options{}), nil)
	if n != 0 || !errors.Is(err, stream.ErrInvalid) {
		t.Errorf("uuid.Nil user: %d items, %v", n, err)
	}
	if db.queries != 0 {
		t.Errorf("%d queries ran for invalid options", db.queries)
	}
	// A valid stream that is never ranged over runs nothing either.
	_ = stream.MinimalContacts(ctx, db, user, stream.Options{})
	if db.queries != 0 {
		t.Errorf("an unranged stream ran %d queries", db.queries)
	}
}

// The breaker is checked before every page; a refusal is yielded once.
func TestBreaker(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 100)

	var b memguardtest.Breaker
	b.SetLevel(memguard.LevelHard)
	n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, stream.Options{Breaker: &b}), nil)
	if checks, refused := b.Counts(); n != 0 || after != 0 || !errors.Is(err, memguard.ErrMemoryPressure) || checks != 1 || refused != 1 {
		t.Fatalf("hard from the start: %d items, %v, %d after; %d checks, %d refused", n, err, after, checks, refused)
	}

	var b2 memguardtest.Breaker
	n, err, after = errorsOf(stream.MinimalContacts(ctx, db, user, stream.Options{Breaker: &b2, PageSize: 10}), func(i int) {
		if i == 14 { // in the second page
			b2.SetLevel(memguard.LevelHard)
		}
	})
	var pe *memguard.PressureError
	if checks, _ := b2.Counts(); n != 20 || after != 0 || !errors.As(err, &pe) || checks != 3 {
		t.Fatalf("hard in page 2: %d items, %v, %d after, %d checks; want 20 items then a *PressureError, 3 checks", n, err, after, checks)
	}

	var b3 memguardtest.Breaker
	got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, stream.Options{Breaker: &b3, PageSize: 10}))
	if checks, _ := b3.Counts(); len(got) != 95 || checks != 10 {
		t.Fatalf("normal: %d items, %d checks; want 95, 10 (nine full pages and a short one)", len(got), checks)
	}
}

// Every page asks for Options.PageSize rows, in every order, and the pages
// together yield every contact once; Walk clamps a page size above
// MaxPageSize.
func TestPageSize(t *testing.T) {
	t.Parallel()
	sdb := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, sdb, user, 60) // 57 unarchived
	for _, c := range allOrders {
		for _, size := range []int{1, 3, 20} {
			db := &countingDB{DB: sdb}
			got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize = size })))
			equalIDs(t, c.String(), got, wantIDs(t, sdb, user, c, false))
			for i, l := range db.limits {
				if l != size {
					t.Fatalf("%v: page %d asked for %v rows, want %d", c, i, l, size)
				}
			}
			// ByLastContact's first part may end in any page (a short one).
			if least := (57 + size - 1) / size; len(db.limits) < least || len(db.limits) > least+2 {
				t.Fatalf("%v, pages of %d: %d pages for 57 contacts", c, size, len(db.limits))
			}
		}
	}
	db := &countingDB{DB: sdb}
	ks := stream.Keyset[int, int]{
		Query: func(after, limit int) (string, []any) {
			return `SELECT g FROM generate_series(1, 3) g LIMIT $1`, []any{limit}
		},
		Scan:     func(rows *sql.Rows, item *int, key *int) error { return rows.Scan(item) },
		PageSize: stream.MaxPageSize * 2,
	}
	if got, err := stream.Collect(stream.Walk(ctx, db, ks)); err != nil || len(got) != 3 || len(db.limits) != 1 || db.limits[0] != stream.MaxPageSize {
		t.Fatalf("page size above the maximum: %v, %v, limits %v; want 3 rows, one page of MaxPageSize", got, err, db.limits)
	}
}
