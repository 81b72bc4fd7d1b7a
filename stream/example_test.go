package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
)

// Set by the host; the examples below compile but need a database to run.
var (
	ctx    context.Context
	db     *sqlx.DB
	userID uuid.UUID
)

func ExampleMinimalContacts() {
	overdue := 0
	for c, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{
		Order: stream.ByLastContact, // never contacted first, then the oldest
	}) {
		if err != nil {
			log.Fatal(err) // the walk was cut short: do not treat the count as complete
		}
		if c.LastContactDate == nil {
			overdue++
		}
	}
	fmt.Println(overdue, "contacts were never contacted")
}

// A job that may be stopped at any point persists a cursor after each
// contact it handled and resumes from it on its next run.
func ExampleCursor() {
	load := func() string { return "" } // the cursor saved by the previous run, "" the first time
	save := func(string) {}

	after, err := stream.ParseCursor(load())
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
		fmt.Println(c.Name)
		save(cur.String()) // cur is the position right after c
	}
	save("") // done: the next run starts over
}

func ExampleBatches() {
	var cur stream.Cursor
	contactsSeq := stream.MinimalContacts(ctx, db, userID, stream.Options{TrackCursor: &cur})
	for batch, err := range stream.Batches(contactsSeq, 500) {
		if err != nil {
			log.Fatal(err)
		}
		// Write the batch in one statement; cur is right after its last item.
		fmt.Println(len(batch), "contacts up to", cur.String())
	}
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

// The engine under MinimalContacts, walking another table by its key.
func ExampleWalk() {
	type event struct {
		ID    int64
		Title string
	}
	events := stream.Keyset[event, int64]{
		Query: func(after int64, limit int) (string, []any) {
			return `SELECT id, title FROM app.events WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
				[]any{userID, after, limit}
		},
		Scan: func(rows *sql.Rows, e *event, key *int64) error {
			err := rows.Scan(&e.ID, &e.Title)
			*key = e.ID
			return err
		},
	}
	for e, err := range stream.Walk(ctx, db, events) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Title)
	}
}
