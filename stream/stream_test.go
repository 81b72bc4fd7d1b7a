package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
	"github.com/kithhq/kith/stream"
)

// Every order and direction yields exactly the rows and the order of one
// ORDER BY query, in pages much smaller than the set, for both
// projections, and never another user's contacts.
func TestOrders(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	fill(t, db, user, 400)
	fill(t, db, other, 100)
	for _, c := range allOrders {
		t.Run(c.String(), func(t *testing.T) {
			want := wantIDs(t, db, user, c, false)
			got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, append(c.opts(), stream.PageSize(7))...))
			equalIDs(t, "minimal", got, want)

			full, err := stream.Collect(stream.Contacts(ctx, db, user, append(c.opts(), stream.PageSize(11))...))
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
				got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, append(c.opts(), stream.PageSize(n))...))
				equalIDs(t, "page size edge", got, want)
			}
		})
	}
}

// MinimalContact carries the same values as the full contact.
func TestMinimalMatchesFull(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 120)
	full, err := stream.Collect(stream.Contacts(ctx, db, user, stream.IncludeArchived()))
	if err != nil {
		t.Fatal(err)
	}
	min, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.IncludeArchived()))
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
	db := pgtest.NewDB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 200) // every 20th archived
	c := orderCase{stream.ByName, stream.Ascending, false}
	got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, stream.PageSize(9)))
	equalIDs(t, "default", got, wantIDs(t, db, user, c, false))
	if len(got) != 190 {
		t.Fatalf("%d unarchived, want 190", len(got))
	}
	all, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.PageSize(9), stream.IncludeArchived()))
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
	stream.Querier
	queries int
}

func (c *countingDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.queries++
	return c.Querier.QueryContext(ctx, q, args...)
}

func TestBadOptions(t *testing.T) {
	t.Parallel()
	db := &countingDB{Querier: pgtest.NewDB(t)}
	ctx := context.Background()
	user := uuid.New()
	for name, opt := range map[string]stream.Option{
		"page size 0":       stream.PageSize(0),
		"page size -1":      stream.PageSize(-1),
		"page size too big": stream.PageSize(stream.MaxPageSize + 1),
		"unknown order":     stream.OrderBy(stream.Order(42), stream.Ascending),
		"unknown direction": stream.OrderBy(stream.ByName, stream.Direction(7)),
		"bad schema":        stream.Schema("kith; DROP TABLE x"),
		"nil sizer":         stream.PageSizer(nil),
		"nil breaker":       stream.Breaker(nil),
		"nil track":         stream.TrackCursor(nil),
	} {
		n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, opt), nil)
		if n != 0 || after != 0 || !errors.Is(err, stream.ErrInvalidOption) {
			t.Errorf("%s: %d items, then %v, then %d more; want only an ErrInvalidOption", name, n, err, after)
		}
	}
	n, err, _ := errorsOf(stream.Contacts(ctx, nil, user), nil)
	if n != 0 || !errors.Is(err, stream.ErrInvalidOption) {
		t.Errorf("nil db: %d items, %v", n, err)
	}
	if db.queries != 0 {
		t.Errorf("%d queries ran for invalid options", db.queries)
	}
	// A valid stream that is never ranged over runs nothing either.
	_ = stream.MinimalContacts(ctx, db, user)
	if db.queries != 0 {
		t.Errorf("an unranged stream ran %d queries", db.queries)
	}
}

// The breaker is checked before every page; a refusal is yielded once.
func TestBreaker(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 100)

	var b memguardtest.Breaker
	b.SetLevel(memguard.LevelHard)
	n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, stream.Breaker(&b)), nil)
	if checks, refused := b.Counts(); n != 0 || after != 0 || !errors.Is(err, memguard.ErrMemoryPressure) || checks != 1 || refused != 1 {
		t.Fatalf("hard from the start: %d items, %v, %d after; %d checks, %d refused", n, err, after, checks, refused)
	}

	var b2 memguardtest.Breaker
	n, err, after = errorsOf(stream.MinimalContacts(ctx, db, user, stream.Breaker(&b2), stream.PageSize(10)), func(i int) {
		if i == 14 { // in the second page
			b2.SetLevel(memguard.LevelHard)
		}
	})
	var pe *memguard.PressureError
	if checks, _ := b2.Counts(); n != 20 || after != 0 || !errors.As(err, &pe) || checks != 3 {
		t.Fatalf("hard in page 2: %d items, %v, %d after, %d checks; want 20 items then a *PressureError, 3 checks", n, err, after, checks)
	}

	var b3 memguardtest.Breaker
	got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, stream.Breaker(&b3), stream.PageSize(10)))
	if checks, _ := b3.Counts(); len(got) != 95 || checks != 10 {
		t.Fatalf("normal: %d items, %d checks; want 95, 10 (nine full pages and a short one)", len(got), checks)
	}
}

// scriptedSizer returns the sizes of its script, then the last one, and
// records what Done reports.
type scriptedSizer struct {
	script []int
	done   [][2]int
}

func (s *scriptedSizer) Next() int {
	n := s.script[0]
	if len(s.script) > 1 {
		s.script = s.script[1:]
	}
	return n
}

func (s *scriptedSizer) Done(requested, got int, err error) {
	s.done = append(s.done, [2]int{requested, got})
}

func TestPageSizer(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 60) // 57 unarchived
	for _, c := range allOrders {
		s := &scriptedSizer{script: []int{3, 1, 20, stream.MaxPageSize * 2}}
		got := minimalIDs(t, stream.MinimalContacts(ctx, db, user, append(c.opts(), stream.PageSizer(s))...))
		equalIDs(t, c.String(), got, wantIDs(t, db, user, c, false))
		sum := 0
		for i, d := range s.done {
			if d[1] > d[0] || d[0] > stream.MaxPageSize {
				t.Fatalf("%v: page %d: requested %d, got %d", c, i, d[0], d[1])
			}
			sum += d[1]
		}
		// ByLastContact's first part may end in any page (a short one).
		if sum != 57 || s.done[0] != [2]int{3, 3} || s.done[1] != [2]int{1, 1} || s.done[len(s.done)-1][0] != stream.MaxPageSize {
			t.Fatalf("%v: pages %v", c, s.done)
		}
	}
}
