package stream_test

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/stream"
)

// fill gives user n contacts built for ties: seven names (cases and
// accents differ), a quarter never contacted, the rest on a handful of
// dates, five creation times, every 20th archived, a third in a group.
func fill(tb testing.TB, db *sqlx.DB, user uuid.UUID, n int) {
	tb.Helper()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `
		INSERT INTO kith.contacts (user_id, name, last_contact_date, frequency, archived, created_at, notes)
		SELECT $1,
		       (ARRAY['Anne','anne','Émile','Zoë','bob','Bob','Ann'])[1 + i % 7],
		       CASE WHEN i % 4 = 0 THEN NULL
		            WHEN i % 4 = 1 THEN timestamptz '2024-01-01 10:00:00.123456+00'
		            ELSE timestamptz '2024-01-01 10:00:00+00' + (i % 13) * interval '1 day' END,
		       (ARRAY['', 'weekly', 'monthly'])[1 + i % 3],
		       i % 20 = 0,
		       timestamptz '2020-01-01 00:00:00+00' + (i % 5) * interval '1 hour',
		       'notes ' || i
		FROM generate_series(1, $2) AS i`, user, n)
	if err != nil {
		tb.Fatal(err)
	}
	var group uuid.UUID
	if err := db.QueryRowContext(ctx, `INSERT INTO kith.groups (user_id, name) VALUES ($1, 'family') RETURNING id`, user).Scan(&group); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `
		INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
		SELECT user_id, id, $2 FROM kith.contacts WHERE user_id = $1 AND get_byte(uuid_send(id), 0) % 3 = 0`, user, group); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE kith.contacts`); err != nil {
		tb.Fatal(err)
	}
}

type orderCase struct {
	order     contacts.Order
	dir       contacts.Direction
	nullsLast bool
}

func (c orderCase) String() string {
	s := fmt.Sprintf("%v/%v", c.order, c.dir)
	if c.nullsLast {
		s += "/nulls-last"
	}
	return s
}

func (c orderCase) opts() stream.Options {
	return stream.Options{Order: c.order, Direction: c.dir, NeverContactedLast: c.nullsLast}
}

// with returns o after f changed it.
func with(o stream.Options, f func(*stream.Options)) stream.Options {
	f(&o)
	return o
}

// sqlOrder is the ORDER BY the case promises.
func (c orderCase) sqlOrder() string {
	dir := ""
	if c.dir == contacts.Descending {
		dir = " DESC"
	}
	nulls := " NULLS FIRST"
	if c.nullsLast {
		nulls = " NULLS LAST"
	}
	switch c.order {
	case contacts.ByName:
		return "name" + dir + ", id" + dir
	case contacts.ByLastContact:
		return "last_contact_date" + dir + nulls + ", id" + dir
	case contacts.ByCreatedAt:
		return "created_at" + dir + ", id" + dir
	default:
		return "id" + dir
	}
}

var allOrders = func() []orderCase {
	var out []orderCase
	for _, o := range []contacts.Order{contacts.ByName, contacts.ByLastContact, contacts.ByCreatedAt, contacts.ByID} {
		for _, d := range []contacts.Direction{contacts.Ascending, contacts.Descending} {
			out = append(out, orderCase{o, d, false})
			if o == contacts.ByLastContact {
				out = append(out, orderCase{o, d, true})
			}
		}
	}
	return out
}()

// wantIDs is the reference walk: one query with the promised ORDER BY.
func wantIDs(tb testing.TB, db *sqlx.DB, user uuid.UUID, c orderCase, archived bool) []uuid.UUID {
	tb.Helper()
	q := `SELECT id FROM kith.contacts WHERE user_id = $1`
	if !archived {
		q += ` AND NOT archived`
	}
	var ids []uuid.UUID
	if err := db.SelectContext(context.Background(), &ids, q+` ORDER BY `+c.sqlOrder(), user); err != nil {
		tb.Fatal(err)
	}
	return ids
}

// minimalIDs walks seq to its end and returns the IDs, failing on an error.
func minimalIDs(tb testing.TB, seq iter.Seq2[contacts.MinimalContact, error]) []uuid.UUID {
	tb.Helper()
	var ids []uuid.UUID
	for c, err := range seq {
		if err != nil {
			tb.Fatalf("after %d items: %v", len(ids), err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func equalIDs(tb testing.TB, what string, got, want []uuid.UUID) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			tb.Fatalf("%s: item %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// errorsOf ranges over seq and returns how many items it yielded before
// its first error, the error, and whether anything followed the error.
func errorsOf[T any](seq iter.Seq2[T, error], body func(i int)) (n int, err error, afterErr int) {
	for _, e := range seq {
		if err != nil {
			afterErr++
			continue
		}
		if e != nil {
			err = e
			continue
		}
		if body != nil {
			body(n)
		}
		n++
	}
	return n, err, afterErr
}

// settle checks that the seeded contacts are all-visible, so index-only
// scans really skip the heap; seed.Contacts flushes and freezes them.
func settle(tb testing.TB, db *sqlx.DB) {
	tb.Helper()
	var visible, pages int
	err := db.QueryRowContext(context.Background(),
		`SELECT relallvisible, relpages FROM pg_class WHERE oid = 'kith.contacts'::regclass`).Scan(&visible, &pages)
	if err != nil {
		tb.Fatal(err)
	}
	if visible*100 < pages*99 {
		tb.Fatalf("only %d of %d pages of kith.contacts are all-visible after seeding", visible, pages)
	}
}
