package kith_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
)

// The template database stays empty: these tests migrate by themselves.
func TestMain(m *testing.M) { kithtest.Main(m) }

func appliedVersions(t *testing.T, db *sqlx.DB, schema string) []int {
	t.Helper()
	var vs []int
	if err := db.Select(&vs, `SELECT version FROM "`+schema+`".schema_migrations ORDER BY version`); err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestMigrateTwiceIsIdempotent(t *testing.T) {
	t.Parallel()
	db, ctx := kithtest.EmptyDB(t), context.Background()
	for range 2 {
		if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := kith.Migrations("")
	if err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, db, "kith"); len(got) != len(ms) || got[len(got)-1] != ms[len(ms)-1].Version {
		t.Fatalf("applied %v, want %d migrations", got, len(ms))
	}
}

// TestMigrateConcurrently runs Migrate from many goroutines (each on its own
// connection) at once: all succeed and every migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	db, ctx := kithtest.EmptyDB(t), context.Background()
	const n = 8
	db.SetMaxOpenConns(n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = kith.Migrate(ctx, db, kith.MigrateOptions{}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ms, _ := kith.Migrations("")
	if got := appliedVersions(t, db, "kith"); len(got) != len(ms) {
		t.Fatalf("applied %v, want each of %d once", got, len(ms))
	}
}

func TestMigrateOtherSchema(t *testing.T) {
	t.Parallel()
	db, ctx := kithtest.EmptyDB(t), context.Background()
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{Schema: "crm"}); err != nil {
		t.Fatal(err)
	}
	var tables []string
	if err := db.Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'crm' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(tables, ","), "contacts") {
		t.Fatalf("tables in crm: %v", tables)
	}
	var inKith int
	db.Get(&inKith, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'kith'`)
	if inKith != 0 {
		t.Fatalf("migrating schema crm created %d tables in kith", inKith)
	}
}

func TestMigrateRefusesBadSchema(t *testing.T) {
	t.Parallel()
	db := kithtest.EmptyDB(t)
	err := kith.Migrate(context.Background(), db, kith.MigrateOptions{Schema: `x"; DROP SCHEMA public; --`})
	if !errors.Is(err, kith.ErrMigrate) || !errors.Is(err, kith.ErrInvalid) || !strings.HasPrefix(err.Error(), "kith: invalid: MigrateOptions.Schema") {
		t.Fatalf("bad schema: %v", err)
	}
	if err := kith.Migrate(context.Background(), (*sqlx.DB)(nil), kith.MigrateOptions{}); !errors.Is(err, kith.ErrInvalid) {
		t.Fatalf("typed nil handle: %v", err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM pg_namespace WHERE nspname = 'public'`)
	if n != 1 {
		t.Fatal("schema public is gone")
	}
}

func TestMigrationsExportedSQL(t *testing.T) {
	ms, err := kith.Migrations("crm")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version != i+1 || m.SQL == "" {
			t.Fatalf("migration %d: %+v", i, m)
		}
		if strings.Contains(m.SQL, "kith.") {
			t.Errorf("%s still names schema kith", m.Name)
		}
	}
	raw, err := kith.MigrationFS.ReadFile("migrations/" + ms[0].Name)
	if err != nil || !strings.Contains(string(raw), "CREATE TABLE kith.contacts") {
		t.Fatalf("MigrationFS: %v", err)
	}
}

// TestMigrateCancelledContext checks that a Migrate that cannot start
// leaves nothing behind.
func TestMigrateCancelledContext(t *testing.T) {
	t.Parallel()
	db := kithtest.EmptyDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM pg_namespace WHERE nspname = 'kith'`)
	if n != 0 {
		t.Fatal("a cancelled Migrate left schema kith behind")
	}
}
