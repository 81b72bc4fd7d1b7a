package kith_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/exampledb"
)

// A host may check the schema at startup to fail fast. The packages check
// it by themselves on their first statement.
func ExampleCheckSchema() {
	db, done := exampledb.New("ExampleCheckSchema") // in a host: its own *sqlx.DB or *sql.DB
	defer done()
	ctx := context.Background()

	err := kith.CheckSchema(ctx, db, kith.MigrateOptions{})
	fmt.Println("migrated:", err)

	// The same database after a newer kith migrated it.
	v, _ := kith.SchemaVersion(ctx, db)
	db.MustExec(`INSERT INTO kith.schema_migrations (version, name) VALUES ($1, 'from_a_newer_kith.sql')`, v+1)
	err = kith.CheckSchema(ctx, db, kith.MigrateOptions{})
	var sv *kith.SchemaVersionError
	fmt.Println("newer:", errors.As(err, &sv) && sv.Version == v+1 && sv.Supported == v, errors.Is(err, kith.ErrNotMigrated))
	// Output:
	// migrated: <nil>
	// newer: true false
}

// SchemaVersion reads the version Migrate recorded: 0 for a database never
// migrated.
func ExampleSchemaVersion() {
	db, done := exampledb.New("ExampleSchemaVersion")
	defer done()
	v, err := kith.SchemaVersion(context.Background(), db)
	if err != nil {
		panic(err)
	}
	ms, _ := kith.Migrations("")
	fmt.Println(v == len(ms))
	// Output: true
}
