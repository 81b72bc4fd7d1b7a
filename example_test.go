package kith_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/exampledb"
)

// Migrate at start-up; it is safe when several processes start at once,
// and running it again does nothing. Here into a schema of the host's
// choosing.
func ExampleMigrate() {
	db, done := exampledb.New("ExampleMigrate") // in a host: sqlx.Open("postgres", dsn)
	defer done()
	ctx := context.Background()

	for range 2 {
		if err := kith.Migrate(ctx, db, kith.MigrateOptions{Schema: "crm"}); err != nil {
			log.Fatal(err)
		}
	}
	var table string
	if err := db.GetContext(ctx, &table, `SELECT to_regclass('crm.contacts')::text`); err != nil {
		log.Fatal(err)
	}
	fmt.Println(table)

	err := kith.Migrate(ctx, db, kith.MigrateOptions{Schema: "CRM; DROP"})
	fmt.Println(errors.Is(err, kith.ErrInvalid))
	// Output:
	// crm.contacts
	// true
}

// Hosts with their own migration tool take the SQL instead.
func ExampleMigrations() {
	ms, err := kith.Migrations("crm")
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range ms {
		_ = m.SQL // write to the host's migrations directory as m.Name
	}
}

// Remove everything kith holds for a user who closed their account, in
// transactions of at most 5,000 rows per table. After a crash or a
// cancellation, run it again: it deletes what is left.
// (Compiled, not run: it needs a database.)
func ExampleDeleteUser() {
	db, err := sqlx.Open("postgres", "postgres://app@localhost/app?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	userID := uuid.MustParse("5f0c6e2a-3b1d-4c8e-9a7f-2d4b6c8e0a1f")
	rep, err := kith.DeleteUser(context.Background(), db, userID, kith.DeleteUserOptions{BatchSize: 5000})
	if err != nil {
		log.Fatal(err) // rep counts what the committed batches deleted
	}
	log.Printf("deleted %d contacts, %d groups, %d memberships, %d suggestions in %d batches",
		rep.Contacts, rep.Groups, rep.Memberships, rep.Suggestions, rep.Batches)
}
