package kith_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
)

func latest(t *testing.T) int {
	t.Helper()
	ms, err := kith.Migrations("")
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	if v, err := kith.SchemaVersion(ctx, db); err != nil || v != 0 {
		t.Errorf("never migrated: SchemaVersion = %d, %v; want 0, nil", v, err)
	}
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	if v, err := kith.SchemaVersion(ctx, db); err != nil || v != latest(t) {
		t.Errorf("migrated: SchemaVersion = %d, %v; want %d", v, err, latest(t))
	}
	if _, err := kith.SchemaVersion(ctx, nil); !errors.Is(err, kith.ErrInvalid) {
		t.Errorf("nil handle: %v, want ErrInvalid", err)
	}
}

func TestCheckSchemaNotMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	err := kith.CheckSchema(ctx, db, kith.MigrateOptions{})
	if !errors.Is(err, kith.ErrNotMigrated) || !strings.Contains(err.Error(), "kith.Migrate") {
		t.Fatalf("never migrated: %v, want ErrNotMigrated saying to run kith.Migrate", err)
	}
	// Inside a transaction the check must not abort it.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := kith.CheckSchema(ctx, tx, kith.MigrateOptions{}); !errors.Is(err, kith.ErrNotMigrated) {
		t.Fatalf("in a transaction: %v", err)
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		t.Fatalf("transaction unusable after the check: %v", err)
	}
}

func TestCheckSchemaVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	n := latest(t)
	if err := kith.CheckSchema(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Fatalf("migrated: %v", err)
	}

	// Migrated by a newer kith.
	if _, err := db.Exec(`INSERT INTO kith.schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')`, n+7); err != nil {
		t.Fatal(err)
	}
	err := kith.CheckSchema(ctx, db, kith.MigrateOptions{})
	var sv *kith.SchemaVersionError
	if !errors.As(err, &sv) || sv.Version != n+7 || sv.Supported != n || sv.Schema != "kith" || errors.Is(err, kith.ErrNotMigrated) {
		t.Fatalf("newer schema: %#v (%v); want *SchemaVersionError{kith, %d, %d}, not ErrNotMigrated", sv, err, n+7, n)
	}
	for _, want := range []string{`schema "kith"`, "newer kith", strconv.Itoa(n + 7), strconv.Itoa(n)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}

	// Behind: the last migration is not recorded.
	if _, err := db.Exec(`DELETE FROM kith.schema_migrations WHERE version >= $1`, n); err != nil {
		t.Fatal(err)
	}
	err = kith.CheckSchema(ctx, db, kith.MigrateOptions{})
	if !errors.As(err, &sv) || sv.Version != n-1 || !errors.Is(err, kith.ErrNotMigrated) {
		t.Fatalf("older schema: %v; want *SchemaVersionError matching ErrNotMigrated", err)
	}

	// Tables applied by another tool, without schema_migrations.
	if _, err := db.Exec(`DROP TABLE kith.schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if err := kith.CheckSchema(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Errorf("unversioned tables: %v, want nil", err)
	}
}

func TestCheckSchemaOtherSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	opts := kith.MigrateOptions{Schema: "crm"}
	if err := kith.Migrate(ctx, db, opts); err != nil {
		t.Fatal(err)
	}
	if err := kith.CheckSchema(ctx, db, opts); err != nil {
		t.Errorf("schema crm: %v", err)
	}
	if err := kith.CheckSchema(ctx, db, kith.MigrateOptions{}); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("schema kith beside crm: %v, want ErrNotMigrated", err)
	}
	if err := kith.CheckSchema(ctx, db, kith.MigrateOptions{Schema: `x"y`}); !errors.Is(err, kith.ErrInvalid) {
		t.Errorf("bad schema name: %v, want ErrInvalid", err)
	}
}
