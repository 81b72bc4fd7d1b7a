package kith

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/pgerr"
)

// DefaultDeleteBatch is how many rows one transaction of [DeleteUser]
// deletes from a table when DeleteUserOptions.BatchSize is 0.
const DefaultDeleteBatch = 1000

// MaxDeleteBatch is the largest DeleteUserOptions.BatchSize.
const MaxDeleteBatch = 100_000

// DeleteUserOptions configures [DeleteUser]. The zero value uses the
// defaults.
type DeleteUserOptions struct {
	// Schema is the Postgres schema holding kith's tables, as given to
	// Migrate; "" means "kith".
	Schema string
	// BatchSize is the most rows of one table one transaction deletes
	// (the memberships of a batch of contacts go with them). 0 means
	// DefaultDeleteBatch; at most MaxDeleteBatch.
	BatchSize int
}

// DeleteUserReport counts the rows [DeleteUser] removed, per table.
type DeleteUserReport struct {
	UserID         uuid.UUID
	Contacts       int64 // kith.contacts
	Groups         int64 // kith.groups
	Memberships    int64 // kith.contact_groups
	Suggestions    int64 // kith.suggestions
	SuggestionRuns int64 // kith.suggestion_runs
	// Other counts the rows of every other table of the schema that has a
	// user_id column (sync state added by later migrations), by table
	// name. Non-nil.
	Other map[string]int64
	// Batches is the number of transactions that committed.
	Batches int
}

// Total is the number of rows removed from all tables.
func (r DeleteUserReport) Total() int64 {
	n := r.Contacts + r.Groups + r.Memberships + r.Suggestions + r.SuggestionRuns
	for _, v := range r.Other {
		n += v
	}
	return n
}

// DeleteUser removes every row kith holds for userID: contacts, groups,
// group memberships, suggestions and suggestion runs, and the rows of any
// other table in kith's schema with a user_id column (sync state).
//
// It works in bounded batches, each its own short transaction of at most
// BatchSize rows per table, so deleting a million contacts never holds one
// giant transaction, its locks or its WAL. Every batch finds the user's
// rows through an index that leads with user_id, starting after the last
// key the batch before deleted (keyset), and deletes them by key, so a
// batch costs the same whatever the user's or other users' size, and
// never re-reads the index entries of rows deleted before it: the whole
// deletion reads each entry a bounded number of times. (A table of the
// schema whose primary key does not lead with user_id and another column
// is walked from the user's first row each batch.)
//
// DeleteUser is resumable: the database itself is the progress, so after a
// crash, a cancelled ctx or an error, running it again deletes what is
// left. Two runs for the same user at once are safe: their batches take
// turns under a per-user transaction-scoped advisory lock, and each run
// reports what it deleted. A batch that loses a deadlock or serialization
// race with the host's own writes is retried a few times.
//
// On error the report counts the batches that committed before it. Rows
// the host writes for the user while DeleteUser runs are deleted too if
// they are written before DeleteUser reaches their table; call it when the
// user can no longer write.
func DeleteUser(ctx context.Context, db Beginner, userID uuid.UUID, opts DeleteUserOptions) (DeleteUserReport, error) {
	rep := DeleteUserReport{UserID: userID, Other: map[string]int64{}}
	if err := argcheck.Handle(db); err != nil {
		return rep, fmt.Errorf("%w: DeleteUser: %w", ErrInvalid, err)
	}
	if err := argcheck.User(userID); err != nil {
		return rep, fmt.Errorf("%w user_id: %w", ErrInvalid, err)
	}
	schema, err := dbschema.Name(opts.Schema)
	if err != nil {
		return rep, fmt.Errorf("%w: DeleteUserOptions.Schema: %w", ErrInvalid, err)
	}
	size := opts.BatchSize
	switch {
	case size == 0:
		size = DefaultDeleteBatch
	case size < 0 || size > MaxDeleteBatch:
		return rep, fmt.Errorf("%w: DeleteUserOptions.BatchSize %d: must be between 1 and %d", ErrInvalid, size, MaxDeleteBatch)
	}
	others, err := otherUserTables(ctx, db, schema)
	if err != nil {
		return rep, fmt.Errorf("kith: delete user %s: %w", userID, err)
	}
	q := func(s string) string { return dbschema.Qualify(s, schema) }

	type step struct {
		name string
		// first is the first batch's statement ($1 user, $2 size); next,
		// if not "", the later batches' ($3 the last key of the batch
		// before, as text[]): keyset batches start after the rows
		// deleted already instead of re-reading their index entries.
		first, next string
		count       func(n []int64)
	}
	var steps []step
	// Other tables first: they are the ones that may reference kith's own
	// tables (sync state of a contact) without a cascade.
	for _, t := range others {
		first, next := otherTableSQL(schema, t)
		steps = append(steps, step{name: t.name, first: first, next: next,
			count: func(n []int64) { rep.Other[t.name] += n[0] }})
	}
	steps = append(steps,
		step{"suggestions", q(deleteSuggestionsSQL("")), q(deleteSuggestionsSQL(afterID)), func(n []int64) { rep.Suggestions += n[0] }},
		step{"contacts", q(deleteContactsSQL("")), q(deleteContactsSQL(afterID)), func(n []int64) { rep.Memberships += n[0]; rep.Contacts += n[1] }},
		step{"groups", q(deleteGroupsSQL("")), q(deleteGroupsSQL(afterID)), func(n []int64) { rep.Memberships += n[0]; rep.Groups += n[1] }},
		step{"suggestion_runs", q(deleteRunsSQL), "", func(n []int64) { rep.SuggestionRuns += n[0] }},
	)
	// The key deliberately avoids the text "kith." so Qualify leaves it alone.
	lockKey := "kith/delete-user/" + schema + "/" + userID.String()
	for _, s := range steps {
		var last []string // the last key of the batch before; nil before the first
		for {
			query, args := s.first, []any{userID, size}
			if last != nil && s.next != "" {
				query, args = s.next, append(args, pgarray.Strings(last))
			}
			n, key, err := deleteBatch(ctx, db, lockKey, query, args)
			if err != nil {
				return rep, fmt.Errorf("kith: delete user %s: %s: %w", userID, s.name, err)
			}
			s.count(n)
			rep.Batches++
			if key == nil {
				break // the batch found none of the user's rows past the last key
			}
			last = key
		}
	}
	return rep, nil
}

// deleteBatch runs one batch in its own transaction under the user's
// lock, retrying a lost deadlock or serialization race, and returns the
// statement's counts and the key of the last row the batch selected (the
// statement's last column: nil when it selected none, and the table holds
// none of the user's rows past the previous batch's key any more).
func deleteBatch(ctx context.Context, db Beginner, lockKey, query string, args []any) ([]int64, []string, error) {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		n, key, err := deleteBatchOnce(ctx, db, lockKey, query, args)
		if err != nil && attempt < attempts && ctx.Err() == nil &&
			pgerr.Is(err, pgerr.DeadlockDetected, pgerr.SerializationFailure) {
			continue
		}
		return n, key, err
	}
}

func deleteBatchOnce(ctx context.Context, db Beginner, lockKey, query string, args []any) ([]int64, []string, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey); err != nil {
		return nil, nil, err
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, nil, err
	}
	if len(cols) < 2 {
		rows.Close()
		return nil, nil, errors.New("batch statement returns no counts and key")
	}
	n := make([]int64, len(cols)-1)
	var key pgarray.Strings
	if rows.Next() {
		ptrs := make([]any, len(cols))
		for i := range n {
			ptrs[i] = &n[i]
		}
		ptrs[len(n)] = &key
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, nil, err
		}
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return n, key, tx.Commit()
}

// kithUserTables are the tables DeleteUser deletes from by name.
// contact_emails is kept by a trigger on contacts: deleting a contact
// deletes its addresses.
var kithUserTables = []string{"contacts", "contact_emails", "groups", "contact_groups", "suggestions", "suggestion_runs"}

// userTable is a table of the schema with a user_id column: its name and
// its primary key's columns after user_id, with their types, when the
// key leads with user_id.
type userTable struct {
	name         string
	keys, ktypes []string
}

// otherUserTables lists the tables of schema with a user_id column that
// are not kithUserTables, each after every table that references it.
func otherUserTables(ctx context.Context, db DB, schema string) ([]userTable, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname,
		       coalesce((SELECT string_agg(DISTINCT r.relname::text, ',') FROM pg_constraint f
		                 JOIN pg_class r ON r.oid = f.conrelid
		                 WHERE f.confrelid = c.oid AND f.contype = 'f' AND f.conrelid <> c.oid), ''),
		       (SELECT array_agg(ka.attname::text ORDER BY k.ord) FROM pg_index i
		        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
		        JOIN pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = k.attnum
		        WHERE i.indrelid = c.oid AND i.indisprimary),
		       (SELECT array_agg(format_type(ka.atttypid, ka.atttypmod) ORDER BY k.ord) FROM pg_index i
		        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
		        JOIN pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = k.attnum
		        WHERE i.indrelid = c.oid AND i.indisprimary)
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	referencedBy := map[string][]string{}
	tables := map[string]userTable{}
	var names []string
	for rows.Next() {
		var (
			name, refs   string
			keys, ktypes pgarray.Strings
		)
		if err := rows.Scan(&name, &refs, &keys, &ktypes); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if slices.Contains(kithUserTables, name) {
			continue
		}
		names = append(names, name)
		referencedBy[name] = strings.Split(refs, ",")
		t := userTable{name: name}
		if len(keys) > 1 && keys[0] == "user_id" && len(ktypes) == len(keys) {
			t.keys, t.ktypes = keys[1:], ktypes[1:]
		}
		tables[name] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	// Depth-first: a table is placed after every table that references it.
	var order []userTable
	state := map[string]int{} // 1 visiting, 2 placed
	var visit func(string)
	visit = func(t string) {
		if state[t] != 0 {
			return // placed, or a reference cycle: any order will do
		}
		state[t] = 1
		for _, r := range referencedBy[t] {
			if _, ok := referencedBy[r]; ok {
				visit(r)
			}
		}
		state[t] = 2
		order = append(order, tables[t])
	}
	for _, t := range names {
		visit(t)
	}
	return order, nil
}

// otherTableSQL returns the batch statements of a table DeleteUser knows
// only from the catalog. With a primary key that leads with user_id, the
// batches walk that key: each starts after the last key the batch before
// deleted ($3, the key's other columns as text), so no batch reads the
// index entries of rows deleted before it. Without one (a table keyed by
// user_id alone holds one row per user) every batch takes the first rows
// of the user's it finds.
func otherTableSQL(schema string, t userTable) (first, next string) {
	table := quoteIdent(schema) + "." + quoteIdent(t.name)
	if len(t.keys) == 0 {
		q := `WITH k AS MATERIALIZED (SELECT ctid AS t FROM ` + table + ` WHERE user_id = $1 LIMIT $2),
			d AS (DELETE FROM ` + table + ` WHERE user_id = $1 AND ctid = ANY(ARRAY(SELECT t FROM k)) RETURNING 1)
			SELECT count(*), CASE WHEN count(*) > 0 THEN ARRAY['']::text[] END FROM d`
		// Without a key, a batch that deleted rows says go on (with a key
		// of no columns) and the next batch starts again from the first.
		return q, ""
	}
	cols := make([]string, len(t.keys))
	desc := make([]string, len(t.keys))
	text := make([]string, len(t.keys))
	params := make([]string, len(t.keys))
	for i, k := range t.keys {
		cols[i] = quoteIdent(k)
		desc[i] = cols[i] + " DESC"
		text[i] = cols[i] + "::text"
		params[i] = fmt.Sprintf("($3::text[])[%d]::%s", i+1, t.ktypes[i])
	}
	list := strings.Join(cols, ", ")
	stmt := func(after string) string {
		return `WITH k AS MATERIALIZED (
				SELECT ctid AS t, ` + list + ` FROM ` + table + ` WHERE user_id = $1` + after + `
				ORDER BY ` + list + ` LIMIT $2),
			d AS (DELETE FROM ` + table + ` WHERE user_id = $1 AND ctid = ANY(ARRAY(SELECT t FROM k)) RETURNING 1)
			SELECT (SELECT count(*) FROM d),
			       (SELECT ARRAY[` + strings.Join(text, ", ") + `] FROM k ORDER BY ` + strings.Join(desc, ", ") + ` LIMIT 1)`
	}
	return stmt(""), stmt(" AND (" + list + ") > (" + strings.Join(params, ", ") + ")")
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// The batch statements: $1 the user, $2 the batch size, and in every
// batch but a table's first, $3 the last key (text[]) of the batch before.
// Each reads the batch's keys from an index leading with user_id, after
// that last key (so it never re-reads the entries of rows deleted before),
// into an array, then deletes by key, so the delete is a look-up per key
// and never a join the planner could turn into a scan of the user's
// remaining rows. The last column is the batch's last key, NULL when the
// batch found no rows: the table is done.

// afterID is the keyset condition of the tables keyed by (user_id, id).
const afterID = " AND id > ($3::text[])[1]::uuid"

func deleteSuggestionsSQL(after string) string {
	return `
WITH b AS MATERIALIZED (
    SELECT ARRAY(SELECT id FROM kith.suggestions WHERE user_id = $1` + after + ` ORDER BY id LIMIT $2) AS ids
), d AS (
    DELETE FROM kith.suggestions WHERE user_id = $1 AND id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1)
SELECT (SELECT count(*) FROM d), (SELECT ARRAY[ids[cardinality(ids)]::text] FROM b WHERE cardinality(ids) > 0)`
}

// A batch of contacts goes with its memberships, deleted explicitly so
// they can be counted; the membership trigger then finds its contact
// already gone, and the cascades into kith.contact_groups and
// kith.suggestions find nothing left.
func deleteContactsSQL(after string) string {
	return `
WITH b AS MATERIALIZED (
    SELECT ARRAY(SELECT id FROM kith.contacts WHERE user_id = $1` + after + ` ORDER BY id LIMIT $2) AS ids
), m AS (
    DELETE FROM kith.contact_groups WHERE user_id = $1 AND contact_id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
), c AS (
    DELETE FROM kith.contacts WHERE user_id = $1 AND id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM c),
       (SELECT ARRAY[ids[cardinality(ids)]::text] FROM b WHERE cardinality(ids) > 0)`
}

// Groups are empty by now, unless a membership was added meanwhile.
func deleteGroupsSQL(after string) string {
	return `
WITH b AS MATERIALIZED (
    SELECT ARRAY(SELECT id FROM kith.groups WHERE user_id = $1` + after + ` ORDER BY id LIMIT $2) AS ids
), m AS (
    DELETE FROM kith.contact_groups WHERE user_id = $1 AND group_id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
), g AS (
    DELETE FROM kith.groups WHERE user_id = $1 AND id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM g),
       (SELECT ARRAY[ids[cardinality(ids)]::text] FROM b WHERE cardinality(ids) > 0)`
}

// One statement: a user has one suggestion_runs row per generation kept.
const deleteRunsSQL = `
WITH d AS (DELETE FROM kith.suggestion_runs WHERE user_id = $1 AND $2::int > 0 RETURNING 1)
SELECT count(*), CASE WHEN count(*) > 0 THEN ARRAY['']::text[] END FROM d`
