package contacts_test

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// counting counts the statements run through it.
type counting struct {
	kith.DB
	n atomic.Int64
}

func (c *counting) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.DB.ExecContext(ctx, q, args...)
}

func (c *counting) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.DB.QueryContext(ctx, q, args...)
}

func (c *counting) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.DB.QueryRowContext(ctx, q, args...)
}

// A Store on a database never migrated fails every call with
// kith.ErrNotMigrated, by any path (a row, rows, an exec); once the host
// migrates, the same Store works.
func TestStoreNotMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	if _, err := s.Create(ctx, user, contacts.Contact{Name: "Ada"}); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Create: %v, want ErrNotMigrated", err)
	}
	if _, err := s.Get(ctx, user, uuid.New()); !errors.Is(err, kith.ErrNotMigrated) || errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotMigrated (not ErrNotFound)", err)
	}
	if _, err := s.Groups(ctx, user); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Groups: %v, want ErrNotMigrated", err)
	}
	if err := s.Delete(ctx, user, uuid.New()); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Delete: %v, want ErrNotMigrated", err)
	}

	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, user, contacts.Contact{Name: "Ada"}); err != nil {
		t.Errorf("Create after Migrate: %v", err)
	}
}

// A Store on a database migrated by a newer kith says so, with both
// versions.
func TestStoreSchemaTooNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	ms, err := kith.Migrations("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO kith.schema_migrations (version, name) VALUES ($1, 'next.sql')`, len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, uuid.New(), uuid.New())
	var sv *kith.SchemaVersionError
	if !errors.As(err, &sv) || sv.Version != len(ms)+1 || sv.Supported != len(ms) {
		t.Fatalf("Get: %v; want a *kith.SchemaVersionError %d > %d", err, len(ms)+1, len(ms))
	}
}

// The check runs once per Store: its first call costs two extra
// statements (the catalog and the version), later calls none.
func TestStoreChecksOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := &counting{DB: kithtest.DB(t)}
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	if _, err := s.Groups(ctx, user); err != nil {
		t.Fatal(err)
	}
	first := db.n.Load()
	if _, err := s.Groups(ctx, user); err != nil {
		t.Fatal(err)
	}
	second := db.n.Load() - first
	if first != second+2 {
		t.Errorf("first call ran %d statements, second %d; want the check's 2 more on the first only", first, second)
	}
}
