package kith

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
)

// MigrationFS holds kith's migrations as embedded SQL files named
// NNN_name.sql, written for the default schema "kith". Hosts that run their
// own migration tool (goose, golang-migrate, atlas) can copy them from here;
// for another schema use [Migrations].
//
//go:embed migrations/*.sql
var MigrationFS embed.FS

var (
	// ErrMigrate is matched by every failure of [Migrate] and [Migrations].
	ErrMigrate = errors.New("kith: migrate")
	// ErrInvalid is matched by a refused argument of [Migrate] or
	// [Migrations] (a nil handle, a schema name that is not a plain
	// identifier); such an error matches ErrMigrate too. Nothing has run.
	ErrInvalid = errors.New("kith: invalid")
)

// invalidError is a refused argument: it reads "kith: invalid: …" and
// matches both ErrInvalid and ErrMigrate, without a doubled prefix.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return ErrInvalid.Error() + ": " + e.msg }

func (e *invalidError) Is(target error) bool { return target == ErrInvalid || target == ErrMigrate }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// A Migration is one step of kith's schema, in order of Version.
type Migration struct {
	Version int    // 1, 2, ...: the NNN of the file name
	Name    string // the file name, e.g. "001_contacts.sql"
	SQL     string // the statements, qualified for the requested schema
}

// MigrateOptions configures [Migrate]. The zero value uses the schema
// "kith".
type MigrateOptions struct {
	// Schema is the Postgres schema kith's tables live in. It must be a
	// plain lower-case identifier ([a-z_][a-z0-9_]*); the same name must be
	// given to every kith package that reads these tables.
	Schema string
}

// Migrations returns kith's migrations in order, with their SQL qualified
// for schema ("" means "kith"). The schema itself is not created by the
// returned SQL; [Migrate] does that.
func Migrations(schema string) ([]Migration, error) {
	schema, err := dbschema.Name(schema)
	if err != nil {
		return nil, invalid("schema: %v", err)
	}
	entries, err := fs.ReadDir(MigrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMigrate, err)
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("%w: migration file %q is out of sequence", ErrMigrate, e.Name())
		}
		body, err := fs.ReadFile(MigrationFS, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMigrate, err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: dbschema.Qualify(string(body), schema)})
	}
	return ms, nil
}

// Migrate creates kith's schema if needed and applies every migration not
// yet recorded in its schema_migrations table. It is idempotent, and safe
// to call from several processes at once: each step runs in its own
// transaction under a transaction-scoped advisory lock, so concurrent
// callers wait for each other and then find nothing left to do. A failed
// step is rolled back whole, leaving the schema at the previous version.
//
// Migrate never drops or rewrites data the host put elsewhere; it only
// touches its own schema.
func Migrate(ctx context.Context, db Beginner, opts MigrateOptions) error {
	if err := argcheck.Handle(db); err != nil {
		return invalid("%v", err)
	}
	schema, err := dbschema.Name(opts.Schema)
	if err != nil {
		return invalid("MigrateOptions.Schema: %v", err)
	}
	ms, err := Migrations(schema)
	if err != nil {
		return err
	}
	for {
		done, err := migrateStep(ctx, db, schema, ms)
		if err != nil {
			return fmt.Errorf("%w: schema %q: %w", ErrMigrate, schema, err)
		}
		if done {
			return nil
		}
	}
}

// migrateStep applies the first pending migration, reporting done when
// there was none.
func migrateStep(ctx context.Context, db Beginner, schema string, ms []Migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op

	// The lock key deliberately avoids the text "kith." so Qualify leaves it alone.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('kith/migrate/' || $1, 0))`, schema); err != nil {
		return false, fmt.Errorf("take migration lock: %w", err)
	}
	setup := `CREATE SCHEMA IF NOT EXISTS "` + schema + `";` + dbschema.Qualify(`
CREATE TABLE IF NOT EXISTS kith.schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`, schema)
	if _, err := tx.ExecContext(ctx, setup); err != nil {
		return false, fmt.Errorf("create migrations table: %w", err)
	}
	var current int
	q := dbschema.Qualify(`SELECT coalesce(max(version), 0) FROM kith.schema_migrations`, schema)
	if err := tx.QueryRowContext(ctx, q).Scan(&current); err != nil {
		return false, fmt.Errorf("read applied version: %w", err)
	}
	if current >= len(ms) {
		return true, tx.Commit()
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("apply %s: %w", m.Name, err)
	}
	q = dbschema.Qualify(`INSERT INTO kith.schema_migrations (version, name) VALUES ($1, $2)`, schema)
	if _, err := tx.ExecContext(ctx, q, m.Version, m.Name); err != nil {
		return false, fmt.Errorf("record %s: %w", m.Name, err)
	}
	return false, tx.Commit()
}
