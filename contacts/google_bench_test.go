package contacts_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// BenchmarkApplyGooglePage writes pages of 1,000 Google people, each in
// two of ten Google groups:
//
//   - insert: a new user's first page (every person inserted, 2,000
//     memberships added);
//
//   - unchanged: the same page again (every etag equal): an incremental
//     pass writes nothing; a full pass ("unchanged_full_pass") writes each
//     person's pass marker;
//
//   - changed_1pct: 10 of the 1,000 people with a new etag.
//
//     go test -run '^$' -bench ApplyGooglePage -benchtime 20x -count 5 ./contacts/
func BenchmarkApplyGooglePage(b *testing.B) {
	const size = 1000
	db := kithtest.DB(b)
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	groups := make([]contacts.GoogleGroup, 10)
	for i := range groups {
		groups[i] = contacts.GoogleGroup{ResourceName: fmt.Sprintf("contactGroups/g%d", i), Name: fmt.Sprintf("G%d", i)}
	}
	page := func(etag string) []contacts.GooglePerson {
		p := people(size, etag)
		for i := range p {
			p[i].Groups = []string{groups[i%10].ResourceName, groups[(i+3)%10].ResourceName}
		}
		return p
	}
	newUser := func(b *testing.B) uuid.UUID {
		user := uuid.New()
		if _, err := store.SyncGoogleGroups(ctx, user, groups); err != nil {
			b.Fatal(err)
		}
		return user
	}
	apply := func(b *testing.B, user uuid.UUID, pg contacts.GooglePage) contacts.GooglePageResult {
		res, err := store.ApplyGooglePage(ctx, user, pg, contacts.GooglePageOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "people/s")
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
	}

	b.Run("insert", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			user := newUser(b)
			pg := page("v1")
			b.StartTimer()
			if res := apply(b, user, contacts.GooglePage{People: pg}); res.Inserted != size || res.MembershipsAdded != 2*size {
				b.Fatal(res)
			}
		}
		report(b)
	})
	for _, pass := range []int64{0, 1} {
		name := "unchanged"
		if pass != 0 {
			name = "unchanged_full_pass"
		}
		b.Run(name, func(b *testing.B) {
			user := newUser(b)
			apply(b, user, contacts.GooglePage{People: page("v1")})
			i := int64(0)
			for b.Loop() {
				i++
				if res := apply(b, user, contacts.GooglePage{People: page("v1"), Pass: pass * i}); res.Unchanged != size {
					b.Fatal(res)
				}
			}
			report(b)
		})
	}
	b.Run("changed_1pct", func(b *testing.B) {
		user := newUser(b)
		apply(b, user, contacts.GooglePage{People: page("v1")})
		etags := make([]string, size)
		for k := range etags {
			etags[k] = "v1"
		}
		i := 0
		for b.Loop() {
			i++
			for k := range 10 {
				etags[(i*10+k)%size] = fmt.Sprint("v", i+1)
			}
			pg := page("")
			for k := range pg {
				pg[k].GoogleETag = etags[k]
			}
			if res := apply(b, user, contacts.GooglePage{People: pg}); res.Updated != 10 || res.Unchanged != size-10 {
				b.Fatal(res)
			}
		}
		report(b)
	})
}
