// Package kithtest gives a host's tests what kith's own tests use: a real
// PostgreSQL database of their own, with kith's schema migrated, in one line.
//
//	func TestMain(m *testing.M) { kithtest.Main(m) }
//
//	func TestRemind(t *testing.T) {
//		db := kithtest.DB(t) // migrated, isolated, dropped when t ends
//		store, err := contacts.NewStore(db, contacts.Config{})
//		...
//	}
//
// The server is the one named by KITH_DATABASE_URL when that is set; else a
// throwaway PostgreSQL that the first test needing it starts from the server
// binaries (initdb and postgres, found on PATH or in the highest
// /usr/lib/postgresql/*/bin), listening only on a Unix socket in a temporary
// directory. When the process runs as root the server runs as the
// "postgres" account. [Main] stops the server and removes its directory when
// the tests end; if the process is killed first, the server dies with it.
//
// Each [DB] is a database of its own, cloned (CREATE DATABASE ... TEMPLATE)
// from a template migrated once per test process, so tests may commit, use
// several connections and run in parallel. A clone costs tens of
// milliseconds.
//
// The handles use lib/pq (driver "postgres") unless KITH_TEST_DRIVER is
// "pgx", which selects github.com/jackc/pgx/v5/stdlib (driver "pgx"): run a
// suite once with each to check code under both drivers.
//
// A failure to get a server (no binaries, a server that does not start, a
// role that may not create databases) fails the test that asked for a
// database, with the cause and the end of the server's log; it never skips.
package kithtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // driver "postgres"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgtest"
)

// EnvURL names the environment variable that points kithtest at an
// existing PostgreSQL server instead of a throwaway one: a connection
// string (URL or key=value form) for a role that may create databases (a
// superuser, or a role with CREATEDB that owns what it creates). The
// database it names is used for administrative statements only; kithtest
// creates and drops its own databases beside it.
const EnvURL = "KITH_DATABASE_URL"

// EnvDriver names the environment variable that selects the driver of the
// handles kithtest returns: "" or "pq" for github.com/lib/pq (driver name
// "postgres"), "pgx" for github.com/jackc/pgx/v5/stdlib (driver name "pgx").
const EnvDriver = "KITH_TEST_DRIVER"

// Main is for a package's TestMain: it runs the tests and then drops the
// databases kithtest made and stops the throwaway server, and exits with the
// tests' code. [DB] fails a test that runs without it.
//
//	func TestMain(m *testing.M) { kithtest.Main(m) }
func Main(m *testing.M) {
	pgtest.Main(m)
}

// DB returns a handle to a new database of its own with kith's schema
// migrated (the default schema "kith"). The handle is closed and the
// database dropped when tb ends. DB is safe to call from parallel tests; it
// fails tb (tb.Fatal) when no server can be had, with the reason.
func DB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	return newDB(tb, migrated)
}

// EmptyDB is [DB] without kith's schema: a new, empty database, for tests
// of migrations and of what kith does with a database never migrated.
func EmptyDB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	return newDB(tb, empty)
}

// DSN returns the connection string of db, a handle returned by [DB] or
// [EmptyDB], for tests that open another pool on the same database (open it
// with [Driver]). It fails tb for any other handle.
func DSN(tb testing.TB, db *sqlx.DB) string {
	tb.Helper()
	dsn, ok := dsns.Load(db)
	if !ok {
		tb.Fatal("kithtest: DSN of a handle DB or EmptyDB did not return")
	}
	return dsn.(string)
}

// Driver returns the database/sql driver name the handles use, as selected
// by KITH_TEST_DRIVER: "postgres" (lib/pq) or "pgx" (pgx/v5/stdlib). It
// fails tb on any other value of the variable.
func Driver(tb testing.TB) string {
	tb.Helper()
	d, err := driver()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func driver() (string, error) {
	switch v := os.Getenv(EnvDriver); v {
	case "", "pq", "postgres":
		return "postgres", nil
	case "pgx":
		return "pgx", nil
	default:
		return "", fmt.Errorf("kithtest: %s=%q: want \"pq\" or \"pgx\"", EnvDriver, v)
	}
}

// The templates, made on first use with the selected driver.
var (
	migrated = sync.OnceValues(func() (*pgtest.Template, error) {
		d, err := driver()
		if err != nil {
			return nil, err
		}
		return pgtest.NewTemplate("kith_tpl", d, func(ctx context.Context, db *sqlx.DB) error {
			return kith.Migrate(ctx, db, kith.MigrateOptions{})
		}), nil
	})
	empty = sync.OnceValues(func() (*pgtest.Template, error) {
		d, err := driver()
		if err != nil {
			return nil, err
		}
		return pgtest.NewTemplate("kith_empty", d, nil), nil
	})
)

// dsns maps each live handle DB and EmptyDB returned to its DSN.
var dsns sync.Map

func newDB(tb testing.TB, tpl func() (*pgtest.Template, error)) *sqlx.DB {
	tb.Helper()
	t, err := tpl()
	if err != nil {
		tb.Fatal(err)
	}
	db, dsn := t.NewDB(tb)
	dsns.Store(db, dsn)
	tb.Cleanup(func() { dsns.Delete(db) })
	return db
}
