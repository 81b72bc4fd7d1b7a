package gsync

import (
	"context"
	"database/sql"
)

// PageTx is the handle of a run's Store: a kith.DB that forwards to the
// transaction of the page being written, so one Store (one schema check)
// serves the whole run and, seeing no BeginTx, joins that transaction.
// Its zero value is ready; it is used by one run's goroutine at a time,
// and only inside In.
type PageTx struct{ tx *sql.Tx }

func (d *PageTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.tx.ExecContext(ctx, q, args...)
}

func (d *PageTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.tx.QueryContext(ctx, q, args...)
}

func (d *PageTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.tx.QueryRowContext(ctx, q, args...)
}

// In runs f in a transaction on conn, the run's connection, with d
// pointing at it: committed when f returns nil, else rolled back and f's
// error returned.
func (d *PageTx) In(ctx context.Context, conn *sql.Conn, f func() error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	d.tx = tx
	defer func() { d.tx = nil }()
	if err := f(); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
