package kith_test

import (
	"context"
	"errors"
	"fmt"
	"log"

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
