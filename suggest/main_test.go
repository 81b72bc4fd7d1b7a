package suggest

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) {
	kithtest.Main(m)
}

// fakeDB satisfies DB for tests that never reach the database.
type fakeDB struct{}

var errFakeDB = errors.New("fake database")

func (fakeDB) ExecContext(context.Context, string, ...any) (sql.Result, error) { return nil, errFakeDB }
func (fakeDB) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errFakeDB
}
func (fakeDB) QueryRowContext(context.Context, string, ...any) *sql.Row { return nil }
func (fakeDB) BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error) { return nil, errFakeDB }
func (fakeDB) Conn(context.Context) (*sql.Conn, error)                  { return nil, errFakeDB }
