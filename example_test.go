package kith_test

import (
	"context"
	"log"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/kithhq/kith"
)

// Migrate at start-up; it is safe when several processes start at once.
// (Compiled, not run: it needs a database.)
func ExampleMigrate() {
	db, err := sqlx.Open("postgres", "postgres://app@localhost/app?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	if err := kith.Migrate(context.Background(), db, kith.MigrateOptions{Schema: "kith"}); err != nil {
		log.Fatal(err)
	}
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
