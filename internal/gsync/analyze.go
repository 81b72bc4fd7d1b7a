package gsync

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kithhq/kith/internal/dbschema"
)

// MinBulkLoad is the fewest rows a pass must have loaded for a user since
// the last refresh before a Loader refreshes the statistics.
const MinBulkLoad = 500

// Loader decides when a pass that loads one user's rows in bulk refreshes
// PostgreSQL's statistics of the tables it loads, and does it.
//
// Why: while the statistics list every user they sampled (a deployment of
// up to a hundred or so users), a user they have not seen is estimated at
// one row, every index that leads with user_id looks as cheap as a key,
// and the planner takes user-only scans for key look-ups: each reads every
// row the user has so far, and a first sync grows with the square of the
// account. PostgreSQL's advice after a bulk load is to run ANALYZE
// (its manual, "Populating a Database: Run ANALYZE Afterwards"); autovacuum does so only
// once a tenth of the table has changed. A Loader analyzes once the rows
// loaded since its last refresh reach MinBulkLoad and the rows it had
// loaded before it (so each refresh follows a doubling of what the user
// has: a handful for any account), and at the end of a pass that loaded
// rows since. ANALYZE samples a fixed number of rows (tens of thousands)
// whatever the table's size, takes no lock that blocks reads or writes,
// and by a role that does not own the tables is skipped with a warning
// (the pass then goes on as before).
//
// The zero value is not usable; use NewLoader. A Loader is one pass's: it
// is not safe for concurrent use.
type Loader struct {
	stmt           string
	loaded, before int64 // rows loaded since the last refresh, and up to it
}

// NewLoader returns the Loader of one pass that loads tables (names
// without schema) in schema.
func NewLoader(schema string, tables ...string) *Loader {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = "kith." + t
	}
	return &Loader{stmt: dbschema.Qualify(`ANALYZE `+strings.Join(names, ", "), schema)}
}

// Loaded records that a committed page loaded n rows (inserted), and
// refreshes the statistics on db (outside any transaction) when the rule
// above says so, or when last (the pass's last page) and rows were loaded
// since the last refresh. It returns whether it refreshed, and the
// error of the refresh, which the caller may log and ignore: statistics
// are an optimization.
func (l *Loader) Loaded(ctx context.Context, db interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, n int64, last bool) (bool, error) {
	l.loaded += n
	due := l.loaded >= MinBulkLoad && l.loaded >= l.before
	if !due && !(last && l.loaded > 0 && l.before+l.loaded >= MinBulkLoad) {
		return false, nil
	}
	if _, err := db.ExecContext(ctx, l.stmt); err != nil {
		return false, err
	}
	l.before += l.loaded
	l.loaded = 0
	return true, nil
}
