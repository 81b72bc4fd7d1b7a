// Package tenantcost measures what a kith operation reads, relation by
// relation, so tests can prove that one user's cost never depends on
// another user's data.
//
// EXPLAIN shows the plan of the statement it is given, not of what that
// statement sets off: trigger bodies and foreign-key cascades run as
// separate statements whose scans no outer plan reports. The server's
// cumulative statistics do count them. Measure reads, for every table and
// index of kith's schema, the scans and the blocks fetched (buffer hits
// plus reads) before and after the operation, on the one connection the
// operation runs on, forcing that backend to flush its counters
// (pg_stat_force_next_flush, PostgreSQL 15+) so the figures are exact.
//
// Check then asserts the rule of CONTRIBUTING.md: no sequential scan of any
// kith table, every index scanned leads with user_id, and the blocks
// fetched and tuples read stay under a budget the caller derives from the
// user's own size (a neighbour of 200,000 contacts is some 10,000 blocks
// and 200,000 index entries, so a statement that wanders into it cannot
// hide under a budget of a few times the user's rows).
//
// The counters are per database and shared by its sessions: measure in a
// database no one else uses meanwhile, with autovacuum off for its tables
// (DisableAutovacuum), one operation at a time.
package tenantcost

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/dbschema"
)

// Rel is one relation's counters, or their change over an operation.
type Rel struct {
	Name  string
	Index bool   // an index (else a table)
	Table string // the table an index belongs to; the table itself otherwise
	// LeadsWithUser: an index whose first column is user_id.
	LeadsWithUser bool
	// Scans: sequential scans of a table, or scans of an index.
	Scans int64
	// Blocks fetched, from shared buffers or disk.
	Blocks int64
	// Tuples read by sequential scans of a table, or returned by an index.
	Tuples int64
}

// Cost is what an operation did to each relation of the schema that it
// touched.
type Cost struct {
	Rels []Rel
}

// Blocks is the total of blocks fetched over every relation.
func (c Cost) Blocks() int64 {
	var n int64
	for _, r := range c.Rels {
		n += r.Blocks
	}
	return n
}

// SeqScans is the number of sequential scans of kith tables.
func (c Cost) SeqScans() int64 {
	var n int64
	for _, r := range c.Rels {
		if !r.Index {
			n += r.Scans
		}
	}
	return n
}

// String lists the relations touched: name, scans, blocks.
func (c Cost) String() string {
	var b strings.Builder
	for i, r := range c.Rels {
		if i > 0 {
			b.WriteString("; ")
		}
		kind := "seq scans"
		if r.Index {
			kind = "index scans"
		}
		fmt.Fprintf(&b, "%s: %d %s, %d blocks, %d tuples", r.Name, r.Scans, kind, r.Blocks, r.Tuples)
	}
	return b.String()
}

// Tuples is the number of index entries returned by index scans plus
// the tuples read by sequential scans, over every relation.
func (c Cost) Tuples() int64 {
	var n int64
	for _, r := range c.Rels {
		n += r.Tuples
	}
	return n
}

// Budget bounds an operation's cost. Derive it from the user's own size:
// the rows the operation must touch, times a small constant.
type Budget struct {
	// Blocks fetched over every relation, hits and reads.
	Blocks int64
	// Tuples: index entries returned plus tuples read sequentially. A scan
	// that walks a whole index of all tenants filtering on a later column
	// reads few blocks per entry but returns every entry: this catches it.
	Tuples int64
}

// Check returns an error naming every breach of the rule: a sequential
// scan of a kith table, a scan of an index that does not lead with
// user_id, or more blocks or tuples than the budget.
func (c Cost) Check(b Budget) error {
	var errs []error
	for _, r := range c.Rels {
		switch {
		case !r.Index && r.Scans > 0:
			errs = append(errs, fmt.Errorf("%d sequential scans of %s (%d tuples read)", r.Scans, r.Name, r.Tuples))
		case r.Index && r.Scans > 0 && !r.LeadsWithUser:
			errs = append(errs, fmt.Errorf("%d scans of index %s, which does not lead with user_id", r.Scans, r.Name))
		}
	}
	if n := c.Blocks(); n > b.Blocks {
		errs = append(errs, fmt.Errorf("%d blocks fetched, budget %d", n, b.Blocks))
	}
	if n := c.Tuples(); n > b.Tuples {
		errs = append(errs, fmt.Errorf("%d tuples read, budget %d", n, b.Tuples))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\ncost: %s", err, c)
	}
	return nil
}

// Conn is the connection an operation runs on: *sql.Conn satisfies it.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Measure runs op, which must run all its statements on conn (pass conn to
// it as its kith.DB or kith.Beginner) or on the pools given (for an
// operation that needs several connections at once), and returns the
// change of the counters of every relation in schema ("" means "kith")
// that op touched. conn must not be inside a transaction, and must not be
// one of the pools' connections.
func Measure(ctx context.Context, conn Conn, schema string, op func() error, pools ...*sql.DB) (Cost, error) {
	schema, err := dbschema.Name(schema)
	if err != nil {
		return Cost{}, err
	}
	if err := flushPools(ctx, pools); err != nil {
		return Cost{}, err
	}
	before, err := snapshot(ctx, conn, schema)
	if err != nil {
		return Cost{}, err
	}
	if err := op(); err != nil {
		return Cost{}, err
	}
	if err := flushPools(ctx, pools); err != nil {
		return Cost{}, err
	}
	after, err := snapshot(ctx, conn, schema)
	if err != nil {
		return Cost{}, err
	}
	var c Cost
	for name, a := range after {
		b := before[name]
		d := a
		d.Scans -= b.Scans
		d.Blocks -= b.Blocks
		d.Tuples -= b.Tuples
		if d.Scans != 0 || d.Blocks != 0 || d.Tuples != 0 {
			c.Rels = append(c.Rels, d)
		}
	}
	sort.Slice(c.Rels, func(i, j int) bool { return c.Rels[i].Name < c.Rels[j].Name })
	return c, nil
}

// flushPools makes every idle connection of the pools flush its pending
// counters. A backend flushes before it reports the statement complete, so
// the counters are in when ExecContext returns.
func flushPools(ctx context.Context, pools []*sql.DB) error {
	for _, p := range pools {
		var conns []*sql.Conn
		for range p.Stats().Idle {
			c, err := p.Conn(ctx)
			if err != nil {
				return fmt.Errorf("tenantcost: flush statistics: %w", err)
			}
			conns = append(conns, c)
		}
		var errs []error
		for _, c := range conns {
			if _, err := c.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
				errs = append(errs, err)
			}
			c.Close()
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("tenantcost: flush statistics: %w", err)
		}
	}
	return nil
}

// snapshot flushes this backend's pending statistics and reads the
// counters of every table and index in schema.
func snapshot(ctx context.Context, conn Conn, schema string) (map[string]Rel, error) {
	// The flush happens when the backend next goes idle, that is right
	// after this statement; the read below is a new transaction, so it
	// sees the flushed counters.
	if _, err := conn.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
		return nil, fmt.Errorf("tenantcost: flush statistics: %w", err)
	}
	rows, err := conn.QueryContext(ctx, `
		SELECT c.relname, c.relkind = 'i', coalesce(t.relname, c.relname),
		       coalesce(a.attname = 'user_id', false),
		       pg_stat_get_numscans(c.oid), pg_stat_get_blocks_fetched(c.oid),
		       pg_stat_get_tuples_returned(c.oid)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_index x ON x.indexrelid = c.oid
		LEFT JOIN pg_class t ON t.oid = x.indrelid
		LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'i') AND c.relname <> 'schema_migrations'
		  AND coalesce(t.relname, '') <> 'schema_migrations'`, schema)
	if err != nil {
		return nil, fmt.Errorf("tenantcost: read statistics: %w", err)
	}
	defer rows.Close()
	out := map[string]Rel{}
	for rows.Next() {
		var r Rel
		if err := rows.Scan(&r.Name, &r.Index, &r.Table, &r.LeadsWithUser, &r.Scans, &r.Blocks, &r.Tuples); err != nil {
			return nil, fmt.Errorf("tenantcost: read statistics: %w", err)
		}
		out[r.Name] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tenantcost: read statistics: %w", err)
	}
	return out, nil
}

// DisableAutovacuum turns autovacuum off for every table of schema ("" means
// "kith"), so no background worker adds to the counters Measure reads. For
// test databases only.
func DisableAutovacuum(ctx context.Context, db Conn, schema string) error {
	schema, err := dbschema.Name(schema)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r'`, schema)
	if err != nil {
		return fmt.Errorf("tenantcost: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("tenantcost: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("tenantcost: %w", err)
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, `ALTER TABLE "`+schema+`"."`+t+`" SET (autovacuum_enabled = off)`); err != nil {
			return fmt.Errorf("tenantcost: %w", err)
		}
	}
	return nil
}

// Tenant gives userID n contacts (a third of them in one of its groups, a
// tenth with a resolved suggestion, up to 100 with a pending one) and a
// generation run, generated by the server, then call Analyze. Run it on the connection that
// will be measured: another connection's counters may be flushed in the
// middle of a later measurement. It briefly disables the membership
// trigger (it fills the mirror itself): test databases only.
func Tenant(ctx context.Context, conn Conn, userID uuid.UUID, n, groups int) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("tenantcost: tenant: %w", err)
	}
	defer func() {
		end := `COMMIT`
		if err != nil {
			end = `ROLLBACK`
		}
		if _, e := conn.ExecContext(ctx, end); e != nil && err == nil {
			err = fmt.Errorf("tenantcost: tenant: %w", e)
		}
	}()
	for _, stmt := range []string{
		`INSERT INTO kith.groups (user_id, name) SELECT $1, 'group ' || g FROM generate_series(1, $3::int) g WHERE $2::int >= 0`,
		`INSERT INTO kith.contacts (user_id, name, email, notes, last_contact_date, frequency, group_ids, created_at)
		 SELECT $1, 'Person ' || i, 'p' || i || '@example.com', repeat('n', 100 + i % 200),
		        CASE WHEN i % 5 = 0 THEN NULL ELSE now() - (i % 700) * interval '1 day' END,
		        (ARRAY['', 'weekly', 'monthly', 'quarterly', 'annual'])[1 + i % 5],
		        CASE WHEN i % 3 <> 0 OR g.ids IS NULL THEN '{}'::uuid[] ELSE ARRAY[g.ids[1 + i % $3::int]] END,
		        now() - (i % 1000) * interval '1 hour'
		 FROM generate_series(1, $2::int) i,
		      (SELECT array_agg(id ORDER BY name) AS ids FROM kith.groups WHERE user_id = $1) g`,
		`ALTER TABLE kith.contact_groups DISABLE TRIGGER contact_groups_sync`,
		`INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
		 SELECT user_id, id, group_ids[1] FROM kith.contacts WHERE user_id = $1 AND group_ids <> '{}'`,
		`ALTER TABLE kith.contact_groups ENABLE TRIGGER contact_groups_sync`,
		`INSERT INTO kith.suggestions (user_id, contact_id, status, rank, score, generated_at, run_seq,
		     resolved_at, resolved_seq)
		 SELECT user_id, id, 'dismissed', 1, 1, now() - interval '400 days', 1, now() - interval '400 days', 2
		 FROM kith.contacts WHERE user_id = $1 AND email LIKE '%0@%'`,
		`INSERT INTO kith.suggestions (user_id, contact_id, rank, score, generated_at, run_seq)
		 SELECT user_id, id, row_number() OVER (ORDER BY id), 1, now(), 3
		 FROM (SELECT user_id, id FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT 100) c`,
		`INSERT INTO kith.suggestion_runs (user_id, run_seq, generated_at) VALUES ($1, 3, now())`,
	} {
		var args []any
		if strings.Contains(stmt, "$1") {
			args = append(args, userID)
		}
		if strings.Contains(stmt, "$2") || strings.Contains(stmt, "$3") {
			args = append(args, n, groups)
		}
		if _, err := conn.ExecContext(ctx, stmt, args...); err != nil {
			return fmt.Errorf("tenantcost: tenant: %w\n%s", err, stmt)
		}
	}
	return nil
}

// Analyze runs VACUUM ANALYZE on kith's tables, so plans are the ones real
// statistics give and index-only scans need not visit the heap.
func Analyze(ctx context.Context, conn Conn) error {
	_, err := conn.ExecContext(ctx, `VACUUM (ANALYZE) kith.contacts, kith.contact_groups, kith.groups, kith.suggestions, kith.suggestion_runs`)
	if err != nil {
		return fmt.Errorf("tenantcost: vacuum: %w", err)
	}
	return nil
}

// Neighbour gives a new user n contacts with 50 groups (see Tenant), and
// gives n/10 other users a group and a generation run each, so that every
// kith table holds far more of other users' rows than of the user under
// test. It returns the neighbour's ID. Call Analyze once every user is in.
func Neighbour(ctx context.Context, conn Conn, n int) (uuid.UUID, error) {
	id := uuid.New()
	if err := Tenant(ctx, conn, id, n, 50); err != nil {
		return uuid.Nil, err
	}
	for _, stmt := range []string{
		`INSERT INTO kith.suggestion_runs (user_id, run_seq, generated_at)
		 SELECT gen_random_uuid(), 1, now() FROM generate_series(1, $1::int / 10)`,
		`INSERT INTO kith.groups (user_id, name) SELECT gen_random_uuid(), 'group ' || g FROM generate_series(1, $1::int / 10) g`,
	} {
		if _, err := conn.ExecContext(ctx, stmt, n); err != nil {
			return uuid.Nil, fmt.Errorf("tenantcost: neighbour: %w", err)
		}
	}
	return id, nil
}

// AnalyzedOthers gives n new users size contacts each (see Tenant), runs ANALYZE
// on the whole database and turns autovacuum off for kith's tables: the
// planner's statistics then list every user there is, so any user created
// after it is one they have never seen (estimated at one row). Run it on
// the connection that will be measured.
func AnalyzedOthers(ctx context.Context, conn Conn, n, size int) error {
	for range n {
		if err := Tenant(ctx, conn, uuid.New(), size, 4); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("tenantcost: analyze: %w", err)
	}
	return DisableAutovacuum(ctx, conn, "")
}
