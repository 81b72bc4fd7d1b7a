package kith

import (
	"context"
	"database/sql"
)

// DB is the database handle every kith package takes: *sql.DB, *sql.Tx,
// *sql.Conn, *sqlx.DB and *sqlx.Tx all satisfy it, over lib/pq or
// github.com/jackc/pgx/v5/stdlib alike. A package given a transaction runs
// its statements inside it and never commits or rolls it back; a package
// given a pool autocommits each statement.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Beginner is a [DB] that can begin transactions: *sql.DB and *sqlx.DB
// satisfy it. Operations that must group several statements atomically
// (migrations, replacing a user's suggestions, a sync page and its token)
// take a Beginner and run their own short transactions.
type Beginner interface {
	DB
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}
