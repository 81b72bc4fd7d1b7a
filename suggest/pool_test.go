package suggest_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/suggest"
)

// txBeginner is a host's transaction dressed as a kith.Beginner: one
// connection, as a *sql.Conn is.
type txBeginner struct{ *sql.Tx }

func (txBeginner) BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error) {
	return nil, errors.New("nested transaction")
}

// TestNewRefusesANonPool: Generate streams contacts on one connection while
// it looks up exclusions on another; on a single connection that broke it
// (lib/pq: "unexpected Parse response") or hung (pgx). New refuses it.
func TestNewRefusesANonPool(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, tc := range []struct {
		name string
		h    interface {
			ExecContext(context.Context, string, ...any) (sql.Result, error)
			QueryContext(context.Context, string, ...any) (*sql.Rows, error)
			QueryRowContext(context.Context, string, ...any) *sql.Row
			BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
		}
		typ string
	}{
		{"conn", conn, "*sql.Conn"},
		{"tx", txBeginner{tx}, "suggest_test.txBeginner"},
	} {
		g, err := suggest.New(tc.h, suggest.Config{})
		if g != nil || !errors.Is(err, suggest.ErrInvalid) {
			t.Fatalf("New(%s) = %v, %v; want ErrInvalid", tc.name, g, err)
		}
		want := "suggest: invalid: handle " + tc.typ + " is a single connection or transaction: suggest needs a pool such as *sql.DB or *sqlx.DB"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("New(%s) err = %q; want it to start %q", tc.name, err, want)
		}
	}
	if _, err := suggest.New(db, suggest.Config{}); err != nil {
		t.Errorf("New(pool) = %v; want nil", err)
	}
	if _, err := suggest.New(db.DB, suggest.Config{}); err != nil {
		t.Errorf("New(*sql.DB) = %v; want nil", err)
	}
}
