package kith

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
)

// ErrNotMigrated is matched by the error of any kith operation on a
// database whose kith schema is missing or older than this kith: run
// [Migrate] first. A schema behind this kith is a [*SchemaVersionError]
// that matches it too.
var ErrNotMigrated = errors.New("kith: not migrated")

// A SchemaVersionError reports a kith schema at another version than the
// one this kith is built for: Version migrations are recorded in the
// database, this kith has Supported. A schema behind (Version < Supported)
// matches [ErrNotMigrated] and is fixed by [Migrate]; one ahead was migrated
// by a newer kith, which this one may not read or write correctly: upgrade
// kith.
type SchemaVersionError struct {
	Schema    string // the Postgres schema, "kith" by default
	Version   int    // the latest migration recorded in the database
	Supported int    // the latest migration this kith has
}

func (e *SchemaVersionError) Error() string {
	if e.Version < e.Supported {
		return fmt.Sprintf("kith: schema %q is at version %d, this kith needs %d: run kith.Migrate", e.Schema, e.Version, e.Supported)
	}
	return fmt.Sprintf("kith: schema %q is at version %d, migrated by a newer kith; this kith knows versions up to %d: upgrade kith", e.Schema, e.Version, e.Supported)
}

// Is reports whether target is ErrNotMigrated and the schema is behind.
func (e *SchemaVersionError) Is(target error) bool {
	return target == ErrNotMigrated && e.Version < e.Supported
}

// SchemaVersion returns the version of kith's schema in db (the schema
// "kith"): the number of the latest migration [Migrate] recorded, 0 when
// the database was never migrated. Compare it with len(Migrations("")).
func SchemaVersion(ctx context.Context, db DB) (int, error) {
	if err := argcheck.Handle(db); err != nil {
		return 0, invalid("%v", err)
	}
	st, err := readSchemaState(ctx, db, dbschema.Default)
	if err != nil {
		return 0, err
	}
	return st.version, nil
}

// CheckSchema returns nil when db holds kith's schema (opts.Schema, ""
// means "kith") at the version this kith is built for, and otherwise an
// error: one matching [ErrNotMigrated] when the schema is missing or behind
// (run [Migrate]), a [*SchemaVersionError] naming both versions when it is
// ahead. kith's packages call it once per handle, on the first statement
// (contacts.Store, suggest.Generator), so a host need not; a host may call
// it at startup to fail fast.
//
// Tables created from [MigrationFS] by another migration tool, without
// kith's schema_migrations table, carry no version: CheckSchema accepts
// them when the contacts table exists. So it does when the role may not
// read schema_migrations.
func CheckSchema(ctx context.Context, db DB, opts MigrateOptions) error {
	if err := argcheck.Handle(db); err != nil {
		return invalid("%v", err)
	}
	schema, err := dbschema.Name(opts.Schema)
	if err != nil {
		return invalid("MigrateOptions.Schema: %v", err)
	}
	st, err := readSchemaState(ctx, db, schema)
	if err != nil {
		return err
	}
	supported, err := supportedVersion()
	if err != nil {
		return err
	}
	switch {
	case !st.versioned && !st.tables:
		return fmt.Errorf("%w: database has no schema %q with kith's tables: run kith.Migrate", ErrNotMigrated, schema)
	case !st.versioned || !st.readable:
		return nil
	case st.version != supported:
		return &SchemaVersionError{Schema: schema, Version: st.version, Supported: supported}
	}
	return nil
}

// supportedVersion is the number of the latest embedded migration.
func supportedVersion() (int, error) {
	ms, err := Migrations(dbschema.Default)
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

type schemaState struct {
	versioned bool // schema_migrations exists
	readable  bool // and the role may read it
	tables    bool // the contacts table exists
	version   int  // max(version), 0 if none or unreadable
}

// readSchemaState reads what CheckSchema needs without ever failing a
// statement (db may be a transaction, which a failed statement would
// abort): one query on the catalogs, then one on schema_migrations if it
// exists and may be read.
func readSchemaState(ctx context.Context, db DB, schema string) (schemaState, error) {
	var st schemaState
	quoted := `"` + schema + `".`
	err := db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL,
		coalesce(has_table_privilege(to_regclass($1), 'SELECT'), false),
		to_regclass($2) IS NOT NULL`,
		quoted+"schema_migrations", quoted+"contacts").Scan(&st.versioned, &st.readable, &st.tables)
	if err != nil {
		return st, fmt.Errorf("kith: read schema version: %w", err)
	}
	if st.versioned && st.readable {
		q := `SELECT coalesce(max(version), 0) FROM ` + quoted + `schema_migrations`
		if err := db.QueryRowContext(ctx, q).Scan(&st.version); err != nil {
			return st, fmt.Errorf("kith: read schema version: %w", err)
		}
	}
	return st, nil
}
