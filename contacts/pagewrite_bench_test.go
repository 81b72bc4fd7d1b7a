package contacts_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
)

// pageWriteSizes: the neighbour tenant and the written-to user's seeded
// contacts.
const (
	pageNeighbour = 200_000
	pageUser      = 100_000
	pageRows      = 1000
)

type pageWriteState struct {
	once      sync.Once
	db        *sqlx.DB
	user      uuid.UUID // pageUser seeded contacts
	seedRate  float64   // contacts/s of the two seeds
	err       error
	nextBlock int // resource-name blocks handed out so far
	mu        sync.Mutex
}

var pageWriteDB pageWriteState

// pageWriteSetup seeds, once per process, a pageNeighbour-contact tenant
// and a pageUser-contact user in a database of their own.
func pageWriteSetup(b *testing.B) (*sqlx.DB, uuid.UUID) {
	b.Helper()
	s := &pageWriteDB
	s.once.Do(func() {
		s.db = kithtest.DB(b)
		ctx := context.Background()
		began := time.Now()
		if s.err = seed.Contacts(ctx, s.db, uuid.New(), pageNeighbour, seed.Options{Seed: 1}); s.err != nil {
			return
		}
		s.user = uuid.New()
		if s.err = seed.Contacts(ctx, s.db, s.user, pageUser, seed.Options{Seed: 2}); s.err != nil {
			return
		}
		s.seedRate = float64(pageNeighbour+pageUser) / time.Since(began).Seconds()
	})
	if s.err != nil {
		b.Fatal(s.err)
	}
	return s.db, s.user
}

// block returns a new range of resource-name numbers for one page.
func (s *pageWriteState) block() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextBlock++
	return s.nextBlock * pageRows
}

var (
	pageFirst = []string{"Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "John",
		"Katherine", "Edsger", "Radia", "Donald", "Hedy", "Tim", "Sophie", "Niklaus", "Anita", "Guido",
		"Mary", "James", "Lucia", "Omar", "Yuki", "Priya", "Chen", "Fatima", "Mateo", "Ingrid", "Olga", "Kwame",
		"Aiko", "Lars", "Noor", "Pablo", "Zanele", "Ivan", "Mei", "Tomasz", "Amara", "Hugo", "Leila", "Rui"}
	pageLast = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie",
		"Allen", "McCarthy", "Johnson", "Dijkstra", "Perlman", "Knuth", "Lamarr", "Berners-Lee", "Wilson",
		"Wirth", "Borg", "van Rossum", "Nakamura", "Okafor", "Rossi", "Haddad", "Tanaka", "Sharma", "Wei", "Khan",
		"Garcia", "Larsen", "Novak", "Mensah", "Kowalski", "Silva", "Dubois", "Petrov", "Moreau", "Yilmaz",
		"Andersson", "Costa", "Fischer", "Nguyen", "Oyelaran", "Zhou", "Ibrahim", "Schmidt", "Murphy"}
)

// syncedPage returns 1,000 contacts as a People page maps them: names
// from 2,068 first/last pairs, a primary address and, for a quarter, a
// second one, a phone and a location; etag names the version.
func syncedPage(first int, etag string) []contacts.Contact {
	page := make([]contacts.Contact, pageRows)
	for i := range page {
		n := first + i
		h := uint64(n) * 0x9E3779B97F4A7C15
		f, l := pageFirst[h%uint64(len(pageFirst))], pageLast[(h>>20)%uint64(len(pageLast))]
		c := contacts.Contact{
			Name:  fmt.Sprintf("%s %s", f, l),
			Email: fmt.Sprintf("%s.%s%d@gmail.com", f, l[:3], n%1000), Phone: fmt.Sprintf("+1 555 %07d", h%10_000_000),
			Location: pageLast[(h>>30)%uint64(len(pageLast))] + " Street", Source: "google",
			GoogleResourceName: fmt.Sprintf("people/c%09d", n), GoogleETag: etag,
		}
		if n%4 == 0 {
			c.OtherEmails = []string{fmt.Sprintf("p%d@work.example", n)}
		}
		page[i] = c
	}
	return page
}

// BenchmarkPageWrite writes pages of 1,000 synced contacts (one
// ApplyGooglePage call each) into a new user and into a user with
// 100,000 contacts, beside a 200,000-contact neighbour, and reports rows/s
// for pages of new people, of changed people (every row has a new etag,
// names and addresses unchanged: what a full pass's refresh is) and of
// unchanged people (etags equal: nothing written). The seed metric is the
// server-side seeding rate of the two tenants, and search the median
// Search latency on the 100,000-contact user.
//
//	go test -p 1 -run '^$' -bench PageWrite -benchtime 10x -count 3 ./contacts/
func BenchmarkPageWrite(b *testing.B) {
	db, user := pageWriteSetup(b)
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := &pageWriteDB
	report := func(b *testing.B) {
		b.ReportMetric(float64(pageRows*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(0, "ns/op")
	}
	upsert := func(b *testing.B, u uuid.UUID, page []contacts.Contact, want [3]int) {
		res, err := writeGooglePage(ctx, store, u, page, contacts.GooglePageOptions{})
		if err != nil || [3]int{res.Inserted, res.Updated, res.Unchanged} != want {
			b.Fatalf("upsert = %+v, %v; want %v", res, err, want)
		}
	}
	b.Run("seed", func(b *testing.B) {
		b.ReportMetric(s.seedRate, "contacts/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("user=0/insert", func(b *testing.B) {
		for range b.N {
			upsert(b, uuid.New(), syncedPage(s.block(), "v1"), [3]int{pageRows, 0, 0})
		}
		report(b)
	})
	b.Run("user=100k/insert", func(b *testing.B) {
		for range b.N {
			upsert(b, user, syncedPage(s.block(), "v1"), [3]int{pageRows, 0, 0})
		}
		report(b)
	})
	// Pages written before the timed loop, then written again.
	existing := func(b *testing.B) []int {
		defer b.ResetTimer()
		firsts := make([]int, b.N)
		for i := range firsts {
			firsts[i] = s.block()
			upsert(b, user, syncedPage(firsts[i], "v1"), [3]int{pageRows, 0, 0})
		}
		return firsts
	}
	b.Run("user=100k/update", func(b *testing.B) {
		firsts := existing(b)
		for i := range b.N {
			upsert(b, user, syncedPage(firsts[i], "v2"), [3]int{0, pageRows, 0})
		}
		report(b)
	})
	b.Run("user=100k/unchanged", func(b *testing.B) {
		firsts := existing(b)
		for i := range b.N {
			upsert(b, user, syncedPage(firsts[i], "v1"), [3]int{0, 0, pageRows})
		}
		report(b)
	})
	b.Run("user=100k/search", func(b *testing.B) {
		queries := []string{"Margret Hamiltn", "Grace Hopper", "p4242@example.com", "Zqxj Wvvv",
			"Kwame Mensa", "ada.lov", "p8@work.example", "Oyelaran"}
		var times []time.Duration
		for range b.N {
			for _, q := range queries {
				began := time.Now()
				if _, err := store.Search(ctx, user, contacts.SearchOptions{Query: q, Limit: 50}); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(began))
			}
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
		b.ReportMetric(0, "ns/op")
	})
}
