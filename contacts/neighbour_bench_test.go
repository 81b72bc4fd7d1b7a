package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/benchdb"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/internal/seed"
)

// BenchmarkNeighbour times every Store method for a 1,000-contact user in
// a database of its own ("alone") and in the shared benchmark database
// beside a user with 1,000,000 contacts (KITH_BENCH_LARGE=1; 100,000
// otherwise) and the other benchmark users ("beside"). Both users are
// seeded alike (internal/seed defaults). Each iteration runs the operation
// once on each side, alternating which goes first; the metrics are the
// medians and their ratio, beside / alone (target: at most 1.2).
//
//	KITH_PGDATA=$PWD/.bench/pgdata KITH_BENCH_LARGE=1 go test -p 1 -run '^$' -bench Neighbour -benchtime 200x ./contacts/
func BenchmarkNeighbour(b *testing.B) {
	neighbour := 100_000
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		neighbour = 1_000_000
	}
	const size = 1000
	ctx := context.Background()
	benchdb.User(b, neighbour)
	besideDB, besideUser := benchdb.User(b, size)
	aloneDB, aloneUser := aloneDatabase(b, size)
	sides := [2]*side{newSide(b, aloneDB, aloneUser), newSide(b, besideDB, besideUser)}
	for _, op := range neighbourOps {
		b.Run(op.name, func(b *testing.B) {
			var d [2][]time.Duration
			i := 0
			for b.Loop() {
				for k := range 2 {
					s := (i + k) % 2
					sw := &stopwatch{}
					if err := op.run(ctx, sides[s], sw); err != nil {
						b.Fatalf("%s: %v", []string{"alone", "beside"}[s], err)
					}
					d[s] = append(d[s], sw.d)
				}
				i++
			}
			alone, beside := median(d[0]), median(d[1])
			b.ReportMetric(float64(alone.Microseconds()), "alone-µs/op")
			b.ReportMetric(float64(beside.Microseconds()), "beside-µs/op")
			b.ReportMetric(float64(beside)/float64(alone), "ratio")
		})
	}
}

// aloneDatabase makes a database of its own, on the benchmark server,
// holding one user with size seeded contacts.
func aloneDatabase(b *testing.B, size int) (*sqlx.DB, uuid.UUID) {
	b.Helper()
	ctx := context.Background()
	srv := pgtest.Shared(b)
	const name = "kith_bench_alone"
	if err := srv.DropDatabase(ctx, name); err != nil {
		b.Fatal(err)
	}
	if err := srv.CreateDatabase(ctx, name, ""); err != nil {
		b.Fatal(err)
	}
	db, err := sqlx.Open("postgres", srv.DSN(name))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		b.Fatal(err)
	}
	user := uuid.New()
	if err := seed.Contacts(ctx, db, user, size, seed.Options{}); err != nil {
		b.Fatal(err)
	}
	return db, user
}

// A side is one user and what the operations need of theirs.
type side struct {
	db      *sqlx.DB
	store   *contacts.Store
	user    uuid.UUID
	ids     []uuid.UUID // every seeded contact
	group   uuid.UUID   // a seeded group
	current contacts.Contact
	n       int // iterations so far, to vary names and IDs
}

func newSide(b *testing.B, db *sqlx.DB, user uuid.UUID) *side {
	b.Helper()
	ctx := context.Background()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s := &side{db: db, store: store, user: user}
	if err := db.SelectContext(ctx, &s.ids, `SELECT id FROM kith.contacts WHERE user_id = $1 AND source = 'seed' ORDER BY id`, user); err != nil {
		b.Fatal(err)
	}
	if err := db.GetContext(ctx, &s.group, `SELECT id FROM kith.groups WHERE user_id = $1 ORDER BY name LIMIT 1`, user); err != nil {
		b.Fatal(err)
	}
	if s.current, err = store.Get(ctx, user, s.ids[len(s.ids)/2]); err != nil {
		b.Fatal(err)
	}
	// Leftovers of an interrupted run: contacts and groups the operations
	// create and remove again.
	for _, q := range []string{
		`DELETE FROM kith.contacts WHERE user_id = $1 AND source IN ('bench', 'google')`,
		`DELETE FROM kith.groups WHERE user_id = $1 AND name LIKE 'bench %'`,
	} {
		if _, err := db.ExecContext(ctx, q, user); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// pick returns count of the user's contacts, a different slice each call.
func (s *side) pick(count int) []uuid.UUID {
	s.n++
	start := (s.n * 37) % (len(s.ids) - count)
	return s.ids[start : start+count]
}

func (s *side) deleteContacts(ctx context.Context, ids []uuid.UUID) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM kith.contacts WHERE user_id = $1 AND id = ANY($2::uuid[])`, s.user, pgarray.UUIDs(ids))
	return err
}

// stopwatch times the one call an operation measures; set-up and clean-up
// around it are not timed.
type stopwatch struct{ d time.Duration }

func (w *stopwatch) time(f func() error) error {
	began := time.Now()
	err := f()
	w.d += time.Since(began)
	return err
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func benchContact(name string) contacts.Contact {
	return contacts.Contact{Name: name, Email: "bench@example.com", Frequency: contacts.FrequencyMonthly, Source: "bench"}
}

var neighbourOps = []struct {
	name string
	run  func(ctx context.Context, s *side, w *stopwatch) error
}{
	{"Get", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error { _, err := s.store.Get(ctx, s.user, s.pick(1)[0]); return err })
	}},
	{"Create", func(ctx context.Context, s *side, w *stopwatch) error {
		var c contacts.Contact
		if err := w.time(func() (err error) { c, err = s.store.Create(ctx, s.user, benchContact("Bench Create")); return err }); err != nil {
			return err
		}
		return s.store.Delete(ctx, s.user, c.ID)
	}},
	{"Update", func(ctx context.Context, s *side, w *stopwatch) error {
		// A fresh copy: MarkContacted and Archive may have written it
		// (each write bumps the version Update checks).
		c, err := s.store.Get(ctx, s.user, s.current.ID)
		if err != nil {
			return err
		}
		c.Notes = fmt.Sprintf("bench %d", s.n)
		s.n++
		return w.time(func() (err error) { s.current, err = s.store.Update(ctx, s.user, c); return err })
	}},
	{"Archive", func(ctx context.Context, s *side, w *stopwatch) error {
		id := s.pick(1)[0]
		if err := w.time(func() error { return s.store.Archive(ctx, s.user, id) }); err != nil {
			return err
		}
		return s.store.Unarchive(ctx, s.user, id)
	}},
	{"Delete", func(ctx context.Context, s *side, w *stopwatch) error {
		c, err := s.store.Create(ctx, s.user, benchContact("Bench Delete"))
		if err != nil {
			return err
		}
		// A member of a group, so the cascade and the trigger run.
		if err := s.store.AddToGroup(ctx, s.user, s.group, c.ID); err != nil {
			return err
		}
		return w.time(func() error { return s.store.Delete(ctx, s.user, c.ID) })
	}},
	{"Count", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error { _, err := s.store.Count(ctx, s.user, contacts.CountOptions{}); return err })
	}},
	{"MarkContacted", func(ctx context.Context, s *side, w *stopwatch) error {
		ids := s.pick(10)
		return w.time(func() error { _, err := s.store.MarkContacted(ctx, s.user, ids, time.Now()); return err })
	}},
	{"ApplyGooglePage", func(ctx context.Context, s *side, w *stopwatch) error {
		page := make([]contacts.Contact, 100)
		for i := range page {
			page[i] = contacts.Contact{Name: fmt.Sprintf("Google Bench %d", i), Source: "google",
				GoogleResourceName: fmt.Sprintf("people/bench%d", i), GoogleETag: fmt.Sprintf("e%d", s.n)}
		}
		s.n++
		return w.time(func() error {
			_, err := writeGooglePage(ctx, s.store, s.user, page, contacts.GooglePageOptions{})
			return err
		})
	}},
	{"CreateMany", func(ctx context.Context, s *side, w *stopwatch) error {
		batch := make([]contacts.Contact, 100)
		for i := range batch {
			batch[i] = benchContact(fmt.Sprintf("Bench Many %d", i))
		}
		var res contacts.CreateManyResult
		if err := w.time(func() (err error) { res, err = s.store.CreateMany(ctx, s.user, batch); return err }); err != nil {
			return err
		}
		return s.deleteContacts(ctx, res.IDs)
	}},
	{"Groups", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error { _, err := s.store.Groups(ctx, s.user); return err })
	}},
	{"GroupCounts", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error { _, err := s.store.GroupCounts(ctx, s.user); return err })
	}},
	{"CreateGroup", func(ctx context.Context, s *side, w *stopwatch) error {
		var g contacts.Group
		if err := w.time(func() (err error) { g, err = s.store.CreateGroup(ctx, s.user, "bench create"); return err }); err != nil {
			return err
		}
		return s.store.DeleteGroup(ctx, s.user, g.ID)
	}},
	{"RenameGroup", func(ctx context.Context, s *side, w *stopwatch) error {
		g, err := s.store.CreateGroup(ctx, s.user, "bench rename")
		if err != nil {
			return err
		}
		if err := w.time(func() error { _, err := s.store.RenameGroup(ctx, s.user, g.ID, "bench renamed"); return err }); err != nil {
			return err
		}
		return s.store.DeleteGroup(ctx, s.user, g.ID)
	}},
	{"DeleteGroup", func(ctx context.Context, s *side, w *stopwatch) error {
		g, err := s.store.CreateGroup(ctx, s.user, "bench delete")
		if err != nil {
			return err
		}
		if err := s.store.AddToGroup(ctx, s.user, g.ID, s.pick(10)...); err != nil {
			return err
		}
		return w.time(func() error { return s.store.DeleteGroup(ctx, s.user, g.ID) })
	}},
	{"AddToGroup", func(ctx context.Context, s *side, w *stopwatch) error {
		g, err := s.store.CreateGroup(ctx, s.user, "bench add")
		if err != nil {
			return err
		}
		if err := w.time(func() error { return s.store.AddToGroup(ctx, s.user, g.ID, s.pick(10)...) }); err != nil {
			return err
		}
		return s.store.DeleteGroup(ctx, s.user, g.ID)
	}},
	{"RemoveFromGroup", func(ctx context.Context, s *side, w *stopwatch) error {
		g, err := s.store.CreateGroup(ctx, s.user, "bench remove")
		if err != nil {
			return err
		}
		ids := s.pick(10)
		if err := s.store.AddToGroup(ctx, s.user, g.ID, ids...); err != nil {
			return err
		}
		if err := w.time(func() error { return s.store.RemoveFromGroup(ctx, s.user, g.ID, ids...) }); err != nil {
			return err
		}
		return s.store.DeleteGroup(ctx, s.user, g.ID)
	}},
	{"List", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error { _, err := s.store.List(ctx, s.user, contacts.ListOptions{Limit: 50}); return err })
	}},
	{"List/group", func(ctx context.Context, s *side, w *stopwatch) error {
		return w.time(func() error {
			_, err := s.store.List(ctx, s.user, contacts.ListOptions{Limit: 50, GroupID: s.group})
			return err
		})
	}},
	{"Search", func(ctx context.Context, s *side, w *stopwatch) error {
		err := w.time(func() error {
			_, err := s.store.Search(ctx, s.user, contacts.SearchOptions{Query: "Grace Hoper", Limit: 20})
			return err
		})
		if errors.Is(err, contacts.ErrSearchUnavailable) {
			return nil
		}
		return err
	}},
}
