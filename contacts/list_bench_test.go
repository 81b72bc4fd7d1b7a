package contacts_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/benchdb"
)

// listBenchSizes are the users the list benchmarks read: 10,000 contacts,
// and 1,000,000 with KITH_BENCH_LARGE=1.
func listBenchSizes() []int {
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		return []int{10_000, 1_000_000}
	}
	return []int{10_000}
}

// smallBenchGroup returns a group of 100 of user's contacts, creating it
// the first time (the seed's groups hold a third of the contacts each).
func smallBenchGroup(b *testing.B, db *sqlx.DB, s *contacts.Store, user uuid.UUID) uuid.UUID {
	b.Helper()
	ctx := context.Background()
	var id uuid.UUID
	if err := db.GetContext(ctx, &id, `SELECT id FROM kith.groups WHERE user_id = $1 AND name = 'bench: 100 members'`, user); err == nil {
		return id
	}
	g, err := s.CreateGroup(ctx, user, "bench: 100 members")
	if err != nil {
		b.Fatal(err)
	}
	var ids []uuid.UUID
	if err := db.SelectContext(ctx, &ids, `SELECT id FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT 100`, user); err != nil {
		b.Fatal(err)
	}
	if err := s.AddToGroup(ctx, user, g.ID, ids...); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM (ANALYZE) kith.contacts, kith.contact_groups`); err != nil {
		b.Fatal(err)
	}
	return g.ID
}

// BenchmarkListPage reads the first and the second page of 50 of a seeded
// user with each filter, and reports the time per page, the rows the
// server read for a page (EXPLAIN ANALYZE of the second page), and that
// time relative to the unfiltered page by name measured in the same run.
//
//	KITH_BENCH_LARGE=1 go test -p 1 -run '^$' -bench ListPage -benchtime 20x ./contacts/
func BenchmarkListPage(b *testing.B) {
	for _, n := range listBenchSizes() {
		db, user := benchdb.User(b, n)
		s, err := contacts.NewStore(db, contacts.Config{})
		if err != nil {
			b.Fatal(err)
		}
		e := &explainer{DB: db}
		explained, _ := contacts.NewStore(e, contacts.Config{})
		ctx := context.Background()
		var big uuid.UUID
		if err := db.GetContext(ctx, &big, `SELECT id FROM kith.groups WHERE user_id = $1 AND name = 'family'`, user); err != nil {
			b.Fatal(err)
		}
		small := smallBenchGroup(b, db, s, user)
		asOf := time.Now()
		cases := []struct {
			name string
			opts contacts.ListOptions
		}{
			{"by_name", contacts.ListOptions{}},
			{"only_archived", contacts.ListOptions{Archived: contacts.OnlyArchived}},
			{"weekly", contacts.ListOptions{Frequencies: []contacts.Frequency{contacts.FrequencyWeekly}}},
			{"due", contacts.ListOptions{Due: contacts.OnlyDue, AsOf: asOf}},
			{"not_due", contacts.ListOptions{Due: contacts.NotDue, AsOf: asOf}},
			{"google", contacts.ListOptions{Source: contacts.GoogleSynced}},
			{"manual", contacts.ListOptions{Source: contacts.Manual}},
			{"group_100", contacts.ListOptions{GroupID: small}},
			{"group_family", contacts.ListOptions{GroupID: big}},
			{"by_last_contact_due", contacts.ListOptions{Order: contacts.ByLastContact, Due: contacts.OnlyDue, AsOf: asOf}},
			{"by_created_desc", contacts.ListOptions{Order: contacts.ByCreatedAt, Direction: contacts.Descending}},
		}
		var base float64
		for _, tc := range cases {
			b.Run(fmt.Sprintf("contacts=%d/%s", n, tc.name), func(b *testing.B) {
				o := tc.opts
				o.Limit = 50
				first, err := s.List(ctx, user, o)
				if err != nil || len(first.Contacts) != 50 {
					b.Fatalf("%d contacts, %v", len(first.Contacts), err)
				}
				second := o
				second.PageToken = first.NextPageToken
				e.plans = nil
				if _, err := explained.List(ctx, user, second); err != nil {
					b.Fatal(err)
				}
				rows, _ := e.plans[0].read()
				pages := 0
				for b.Loop() {
					for _, p := range []contacts.ListOptions{o, second} {
						if _, err := s.List(ctx, user, p); err != nil {
							b.Fatal(err)
						}
						pages++
					}
				}
				perPage := float64(b.Elapsed().Microseconds()) / 1000 / float64(pages)
				if tc.name == "by_name" {
					base = perPage
				}
				b.ReportMetric(perPage, "ms/page")
				b.ReportMetric(rows, "rows-read/page")
				if base > 0 {
					b.ReportMetric(perPage/base, "x-by_name")
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// BenchmarkSearch times the first page of 50 of a search of a seeded
// user's names and emails: a typo, an exact name, an email, no match.
//
//	KITH_BENCH_LARGE=1 go test -p 1 -run '^$' -bench Search -benchtime 10x ./contacts/
func BenchmarkSearch(b *testing.B) {
	for _, n := range listBenchSizes() {
		db, user := benchdb.User(b, n)
		s, err := contacts.NewStore(db, contacts.Config{})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for _, q := range []struct{ name, query string }{
			{"typo", "Margret Hamiltn"},
			{"exact", "Grace Hopper"},
			{"email", "p4242@example.com"},
			{"none", "Zqxj Wvvv"},
		} {
			b.Run(fmt.Sprintf("contacts=%d/%s", n, q.name), func(b *testing.B) {
				var got int
				for b.Loop() {
					p, err := s.Search(ctx, user, contacts.SearchOptions{Query: q.query, Limit: 50})
					if err != nil {
						b.Fatal(err)
					}
					got = len(p.Contacts)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
				b.ReportMetric(float64(got), "results")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
