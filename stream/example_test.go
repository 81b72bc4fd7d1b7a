package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
)

// exampleUser fills db with a user's contacts for the examples: five
// people, Barbara archived, Linus never contacted.
func exampleUser(db *sqlx.DB) uuid.UUID {
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	day := func(d int) *time.Time { t := time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC); return &t }
	for _, c := range []contacts.Contact{
		{Name: "Grace", LastContactDate: day(20)},
		{Name: "Ada", LastContactDate: day(3)},
		{Name: "Linus"},
		{Name: "Ken", LastContactDate: day(11)},
		{Name: "Barbara", LastContactDate: day(1), Archived: true},
	} {
		if _, err := store.Create(ctx, user, c); err != nil {
			log.Fatal(err)
		}
	}
	return user
}

func ExampleMinimalContacts() {
	db, done := exampledb.New("ExampleMinimalContacts") // in a host: its *sqlx.DB
	defer done()
	ctx, userID := context.Background(), exampleUser(db)

	for c, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{
		Order: contacts.ByLastContact, // never contacted first, then the oldest
	}) {
		if err != nil {
			log.Fatal(err) // the walk was cut short: what was seen is not everything
		}
		if c.LastContactDate == nil {
			fmt.Println(c.Name, "never")
			continue
		}
		fmt.Println(c.Name, c.LastContactDate.UTC().Format(time.DateOnly))
	}
	// Output:
	// Linus never
	// Ada 2026-01-03
	// Ken 2026-01-11
	// Grace 2026-01-20
}

// A job that may be stopped at any point persists a cursor after each
// contact it handled and resumes from it on its next run.
func ExampleCursor() {
	db, done := exampledb.New("ExampleCursor")
	defer done()
	ctx, userID := context.Background(), exampleUser(db)
	saved := "" // the cursor saved by the previous run, "" the first time

	for run := 1; run <= 2; run++ {
		after, err := stream.ParseCursor(saved)
		if err != nil {
			log.Fatal(err) // errors.Is(err, stream.ErrBadCursor): start over or alert
		}
		var cur stream.Cursor
		for c, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{After: after, TrackCursor: &cur}) {
			if errors.Is(err, memguard.ErrMemoryPressure) {
				return // try again later from the saved cursor
			}
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("run", run, c.Name)
			saved = cur.String() // cur is the position right after c
			if run == 1 && c.Name == "Grace" {
				break // the first run is stopped here
			}
		}
	}
	// Output:
	// run 1 Ada
	// run 1 Grace
	// run 2 Ken
	// run 2 Linus
}

func ExampleBatches() {
	db, done := exampledb.New("ExampleBatches")
	defer done()
	ctx, userID := context.Background(), exampleUser(db)

	var cur stream.Cursor
	contactsSeq := stream.MinimalContacts(ctx, db, userID, stream.Options{IncludeArchived: true, TrackCursor: &cur})
	for batch, err := range stream.Batches(contactsSeq, 2) {
		if err != nil {
			log.Fatal(err)
		}
		// Write the batch in one statement; cur is right after its last item.
		var names []string
		for _, c := range batch {
			names = append(names, c.Name)
		}
		fmt.Println(names)
	}
	// Output:
	// [Ada Barbara]
	// [Grace Ken]
	// [Linus]
}

// numbers is an in-memory fallible stream: 1..n, then err if not nil.
func numbers(n int, err error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 1; i <= n; i++ {
			if !yield(i, nil) {
				return
			}
		}
		if err != nil {
			yield(0, err)
		}
	}
}

func ExampleCollect() {
	all, err := stream.Collect(numbers(5, nil))
	fmt.Println(all, err)

	some, err := stream.Collect(numbers(3, errors.New("connection lost")))
	fmt.Println(some, err)
	// Output:
	// [1 2 3 4 5] <nil>
	// [1 2 3] connection lost
}

func ExampleBatches_error() {
	for batch, err := range stream.Batches(numbers(7, errors.New("connection lost")), 3) {
		fmt.Println(batch, err)
	}
	// Output:
	// [1 2 3] <nil>
	// [4 5 6] <nil>
	// [7] <nil>
	// [] connection lost
}

// The engine under MinimalContacts, walking another table by its key:
// here a user's groups by name, then ID, in pages of two.
func ExampleWalk() {
	db, done := exampledb.New("ExampleWalk")
	defer done()
	ctx, userID := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"work", "family", "climbing", "book club", "neighbours"} {
		if _, err := store.CreateGroup(ctx, userID, name); err != nil {
			log.Fatal(err)
		}
	}

	type key struct {
		name string
		id   uuid.UUID
	}
	groups := stream.Keyset[string, key]{
		Query: func(after key, limit int) (string, []any) {
			return `SELECT id, name FROM kith.groups WHERE user_id = $1 AND (name, id) > ($2, $3)
				ORDER BY name, id LIMIT $4`, []any{userID, after.name, after.id, limit}
		},
		Scan: func(rows *sql.Rows, name *string, k *key) error {
			err := rows.Scan(&k.id, &k.name)
			*name = k.name
			return err
		},
		PageSize: 2,
	}
	for name, err := range stream.Walk(ctx, db, groups) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name)
	}
	// Output:
	// book club
	// climbing
	// family
	// neighbours
	// work
}
