// Package schemaguard checks kith's schema version once per handle: a
// package wraps the handle it is given, and the wrapper runs
// kith.CheckSchema before its first statement. Once the check passes the
// wrapper only forwards (one atomic load per statement); a failed check is
// returned as that statement's error and tried again on the next one, so a
// host that migrates after building a Store need not build it again.
package schemaguard

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/kithhq/kith"
)

// check is the state shared by both wrappers.
type check struct {
	opts kith.MigrateOptions
	ok   atomic.Bool
	mu   sync.Mutex // one check at a time
}

func (c *check) run(ctx context.Context, db kith.DB) error {
	if c.ok.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok.Load() {
		return nil
	}
	if err := kith.CheckSchema(ctx, db, c.opts); err != nil {
		return err
	}
	c.ok.Store(true)
	return nil
}

// DB wraps db so that its first statement is preceded by the schema check
// for schema ("" = "kith").
func DB(db kith.DB, schema string) kith.DB {
	return &guardDB{db: db, c: &check{opts: kith.MigrateOptions{Schema: schema}}}
}

// Beginner is DB for a handle that begins transactions; BeginTx runs the
// check too, and statements in the transaction are not checked again.
func Beginner(db kith.Beginner, schema string) kith.Beginner {
	return &guardBeginner{guardDB{db: db, c: &check{opts: kith.MigrateOptions{Schema: schema}}}, db}
}

type guardDB struct {
	db kith.DB
	c  *check
}

func (g *guardDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := g.c.run(ctx, g.db); err != nil {
		return nil, err
	}
	return g.db.ExecContext(ctx, query, args...)
}

func (g *guardDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := g.c.run(ctx, g.db); err != nil {
		return nil, err
	}
	return g.db.QueryContext(ctx, query, args...)
}

func (g *guardDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := g.c.run(ctx, g.db); err != nil {
		return errRow(ctx, err)
	}
	return g.db.QueryRowContext(ctx, query, args...)
}

type guardBeginner struct {
	guardDB
	b kith.Beginner
}

func (g *guardBeginner) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if err := g.c.run(ctx, g.db); err != nil {
		return nil, err
	}
	return g.b.BeginTx(ctx, opts)
}

// errRow returns a *sql.Row whose Scan returns err. database/sql offers no
// way to build one, so it comes from a pool whose only connector fails
// with err: QueryRowContext then holds that error and no connection, and
// the pool can be closed at once.
func errRow(ctx context.Context, err error) *sql.Row {
	db := sql.OpenDB(errConnector{err})
	defer db.Close()
	return db.QueryRowContext(ctx, "")
}

type errConnector struct{ err error }

func (c errConnector) Connect(context.Context) (driver.Conn, error) { return nil, c.err }
func (c errConnector) Driver() driver.Driver                        { return errDriver{} }

type errDriver struct{}

func (errDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("schemaguard: no connections")
}

// Rebind returns a guard over db that shares guarded's check: once either
// has passed it, neither checks again. guarded must come from DB or
// Beginner; db is wrapped as DB does (a transaction's statements, say).
func Rebind(guarded kith.DB, db kith.DB) kith.DB {
	switch g := guarded.(type) {
	case *guardDB:
		return &guardDB{db: db, c: g.c}
	case *guardBeginner:
		return &guardDB{db: db, c: g.c}
	}
	panic("schemaguard: Rebind of a handle that is not a guard")
}
