package kith_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
	"github.com/kithhq/kith/suggest"
)

// The API tour of the README, run against a database of its own: make test
// checks its output, and TestREADMETour checks that the README shows this
// code, so the tour cannot drift from the API.
func Example() {
	db, done := exampledb.New("Example") // in a host: its own *sqlx.DB or *sql.DB
	defer done()
	ctx := context.Background()
	userID := uuid.MustParse("5b1f8e2a-9c4d-4e57-8a1b-2f3c4d5e6f70") // from the host's auth
	now := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
	daysAgo := func(n int) *time.Time { t := now.AddDate(0, 0, -n); return &t }

	// Schema: embedded SQL migrations, idempotent, safe from many processes at
	// once. Hosts with their own migration tool take kith.Migrations(schema).
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}

	// Store: every method takes the user ID; another user's rows are ErrNotFound.
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ada, err := store.Create(ctx, userID, contacts.Contact{
		Name: "Ada Lovelace", Email: "ada@example.com", OtherEmails: []string{"countess@lovelace.example"},
		Frequency: contacts.FrequencyMonthly, LastContactDate: daysAgo(40),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range []contacts.Contact{
		{Name: "Grace Hopper", Frequency: contacts.FrequencyWeekly, LastContactDate: daysAgo(10)},
		{Name: "Alan Turing", Frequency: contacts.FrequencyQuarterly, LastContactDate: daysAgo(30)},
		{Name: "Katherine Johnson", Frequency: contacts.FrequencyMonthly}, // never contacted
	} {
		if _, err := store.Create(ctx, userID, c); err != nil {
			log.Fatal(err)
		}
	}
	family, err := store.CreateGroup(ctx, userID, "family")
	if err != nil {
		log.Fatal(err)
	}
	if err := store.AddToGroup(ctx, userID, family.ID, ada.ID); err != nil {
		log.Fatal(err)
	}
	// A meeting moves the last contact forward, never back.
	moved, err := store.MarkContacted(ctx, userID, []uuid.UUID{ada.ID}, now.AddDate(0, 0, -35))
	fmt.Println("moved forward:", moved, err)

	// List screens: keyset pages behind an opaque token, filters on group,
	// archived, frequency, due (suggest's rule, in the user's zone), source.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		log.Fatal(err)
	}
	page, err := store.List(ctx, userID, contacts.ListOptions{Limit: 2, Due: contacts.OnlyDue, AsOf: now, Location: paris})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("due:", page.Contacts[0].Name, "and", page.Contacts[1].Name, err)
	page, err = store.List(ctx, userID, contacts.ListOptions{Limit: 2, Due: contacts.OnlyDue, Location: paris,
		PageToken: page.NextPageToken}) // a token of another user, order or filter is ErrInvalid
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("due, next page:", page.Contacts[0].Name, page.NextPageToken == "", err)
	hits, err := store.Search(ctx, userID, contacts.SearchOptions{Query: "grace hoper"}) // pg_trgm: typos, ranked
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("search:", hits.Contacts[0].Name, err)
	groups, err := store.GroupCounts(ctx, userID) // one statement
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("groups:", groups[0].Group.Name, groups[0].Members, err)

	// Email look-up: any of a contact's addresses, case and IDNA normalized.
	found, err := store.FindByEmail(ctx, userID, "Countess@Lovelace.EXAMPLE")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("by email:", found[0].Name, err)

	// Patch: only the fields it sets, made from a copy at its Version; a write
	// from a stale copy is a *contacts.ConflictError and changes nothing.
	notes := "Met at the engine exhibition."
	copyOfAda := found[0]
	patched, err := store.Patch(ctx, userID, ada.ID, contacts.ContactPatch{Notes: &notes}, copyOfAda.Version)
	fmt.Println("patched:", patched.Notes, patched.Version == copyOfAda.Version+1, err)
	_, err = store.Patch(ctx, userID, ada.ID, contacts.ContactPatch{Notes: &notes}, copyOfAda.Version)
	fmt.Println("stale copy:", errors.Is(err, contacts.ErrConflict))

	// Bad input is a *contacts.FieldError naming the field; nothing is written.
	_, err = store.Create(ctx, userID, contacts.Contact{Name: "Bob", Email: "not an address"})
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		fmt.Println("refused:", fe.Field, errors.Is(err, contacts.ErrInvalid))
	}

	// Stream: flat memory, keyset pages, a failure always reported (never a
	// silent early end). Options' zero value: by name, archived skipped.
	var cur stream.Cursor
	for m, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{
		Order: contacts.ByLastContact, TrackCursor: &cur, // never contacted first, then the oldest
	}) {
		if err != nil {
			log.Fatal(err) // the walk was cut short: cur says where to resume
		}
		fmt.Println("stream:", m.Name)
		if m.Name == "Ada Lovelace" {
			break // stop here; cur is right after Ada
		}
	}
	// Later, maybe in another process: resume right after the last handled item.
	saved := cur.String()
	after, err := stream.ParseCursor(saved)
	if err != nil {
		log.Fatal(err) // errors.Is(err, stream.ErrBadCursor)
	}
	rest := stream.MinimalContacts(ctx, db, userID, stream.Options{Order: contacts.ByLastContact, After: after})
	for batch, err := range stream.Batches(rest, 500) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("resumed with a batch of", len(batch))
	}

	// Memory: a breaker that reads runtime/metrics against GOMEMLIMIT or the
	// cgroup's limit; at the hard level Check refuses (memguard.ErrMemoryPressure).
	breaker, err := memguard.New(memguard.Config{})
	if err != nil {
		log.Fatal(err)
	}

	// Export and import: vCard 4.0 or CSV, streamed out with flat memory,
	// imported in bulk pages; a bad record is reported with its line, never
	// the whole file refused.
	var vcf bytes.Buffer
	n, err := contactsio.ExportVCard(ctx, &vcf, db, userID, contactsio.ExportOptions{}) // or ExportCSV
	fmt.Println("exported:", n, err)
	file := strings.NewReader("name,email\nEmmy Noether,emmy@example.com\nBob,not an address\n")
	rep, err := contactsio.Import(ctx, db, userID, file, contactsio.CSV, contactsio.ImportOptions{Breaker: breaker})
	fmt.Println("imported:", rep.Imported, err)
	for _, e := range rep.Rejected {
		fmt.Printf("line %d: %s: %s\n", e.Line, e.Field, e.Reason)
	}

	// Suggestions: exact top K, persisted atomically, safe to run twice at once,
	// in the user's calendar (nil location: UTC).
	gen, err := suggest.New(db, suggest.Config{
		Breaker: breaker,
		Now:     func() time.Time { return now }, // nil: time.Now
		Scorer: suggest.DefaultScorer{
			GroupWeights: map[uuid.UUID]float64{family.ID: 2}, // family counts double
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		log.Fatal(err)
	}
	result, err := gen.Generate(ctx, userID, berlin)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range result.Suggestions {
		fmt.Printf("suggest: %d %s (%s)\n", s.Rank, s.Name, s.Reason)
	}
	if err := gen.Snooze(ctx, userID, result.Suggestions[0].ID, now.AddDate(0, 0, 7)); err != nil {
		log.Fatal(err)
	}
	pending, err := gen.Pending(ctx, userID, berlin) // never contradicts the contacts as they are now
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending after a snooze:", len(pending))
	counts, err := gen.DueCounts(ctx, userID, berlin) // due today / this week, without generating
	fmt.Println("due today:", counts.Today, "this week:", counts.Week, err)

	// Many users at once, bounded; each failure is a *suggest.UserError in an
	// errors.Join.
	users := func(yield func(uuid.UUID, error) bool) { yield(userID, nil) } // the host's users, from its own tables
	report, err := gen.GenerateAll(ctx, users, suggest.AllOptions{Concurrency: 4})
	fmt.Println("all users:", report.Succeeded, "succeeded,", report.Failed, "failed,", err)

	// Output:
	// moved forward: 1 <nil>
	// due: Ada Lovelace and Grace Hopper <nil>
	// due, next page: Katherine Johnson true <nil>
	// search: Grace Hopper <nil>
	// groups: family 1 <nil>
	// by email: Ada Lovelace <nil>
	// patched: Met at the engine exhibition. true <nil>
	// stale copy: true
	// refused: email true
	// stream: Katherine Johnson
	// stream: Ada Lovelace
	// resumed with a batch of 2
	// exported: 4 <nil>
	// imported: 1 <nil>
	// line 3: email: "not an address" is not a bare email address
	// suggest: 1 Ada Lovelace (monthly; last contact 5 weeks ago; weight 2)
	// suggest: 2 Katherine Johnson (monthly; never contacted)
	// suggest: 3 Grace Hopper (weekly; last contact 10 days ago)
	// pending after a snooze: 2
	// due today: 2 this week: 2 <nil>
	// all users: 1 succeeded, 0 failed, <nil>
}
