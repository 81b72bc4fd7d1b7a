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
// rows through an index that leads with user_id and deletes them by key,
// so a batch costs the same whatever the user's or other users' size.
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
		name  string
		query string
		count func(n []int64)
	}
	var steps []step
	// Other tables first: they are the ones that may reference kith's own
	// tables (sync state of a contact) without a cascade.
	for _, t := range others {
		steps = append(steps, step{
			name: t,
			query: `WITH d AS (DELETE FROM "` + schema + `"."` + t + `" WHERE user_id = $1 AND ctid = ANY(ARRAY(
				SELECT ctid FROM "` + schema + `"."` + t + `" WHERE user_id = $1 LIMIT $2)) RETURNING 1)
				SELECT count(*) FROM d`,
			count: func(n []int64) { rep.Other[t] += n[0] },
		})
	}
	steps = append(steps,
		step{"suggestions", q(deleteSuggestionsSQL), func(n []int64) { rep.Suggestions += n[0] }},
		step{"contacts", q(deleteContactsSQL), func(n []int64) { rep.Memberships += n[0]; rep.Contacts += n[1] }},
		step{"groups", q(deleteGroupsSQL), func(n []int64) { rep.Memberships += n[0]; rep.Groups += n[1] }},
		step{"suggestion_runs", q(deleteRunsSQL), func(n []int64) { rep.SuggestionRuns += n[0] }},
	)
	// The key deliberately avoids the text "kith." so Qualify leaves it alone.
	lockKey := "kith/delete-user/" + schema + "/" + userID.String()
	for _, s := range steps {
		for {
			n, err := deleteBatch(ctx, db, lockKey, s.query, userID, size)
			if err != nil {
				return rep, fmt.Errorf("kith: delete user %s: %s: %w", userID, s.name, err)
			}
			s.count(n)
			rep.Batches++
			if n[len(n)-1] == 0 {
				break
			}
		}
	}
	return rep, nil
}

// deleteBatch runs one batch in its own transaction under the user's
// lock, retrying a lost deadlock or serialization race, and returns the
// statement's counts (its last column is the rows of the batch's own
// table: 0 means the table holds none of the user's rows any more).
func deleteBatch(ctx context.Context, db Beginner, lockKey, query string, userID uuid.UUID, size int) ([]int64, error) {
	const attempts = 4
	for attempt := 1; ; attempt++ {
		n, err := deleteBatchOnce(ctx, db, lockKey, query, userID, size)
		if err != nil && attempt < attempts && ctx.Err() == nil &&
			pgerr.Is(err, pgerr.DeadlockDetected, pgerr.SerializationFailure) {
			continue
		}
		return n, err
	}
}

func deleteBatchOnce(ctx context.Context, db Beginner, lockKey, query string, userID uuid.UUID, size int) ([]int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, query, userID, size)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	if len(cols) == 0 {
		rows.Close()
		return nil, errors.New("batch statement returns no counts")
	}
	n := make([]int64, len(cols))
	if rows.Next() {
		ptrs := make([]any, len(n))
		for i := range n {
			ptrs[i] = &n[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return n, tx.Commit()
}

// kithUserTables are the tables DeleteUser deletes from by name.
// contact_emails is kept by a trigger on contacts: deleting a contact
// deletes its addresses.
var kithUserTables = []string{"contacts", "contact_emails", "groups", "contact_groups", "suggestions", "suggestion_runs"}

// otherUserTables lists the tables of schema with a user_id column that
// are not kithUserTables, each after every table that references it.
func otherUserTables(ctx context.Context, db DB, schema string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname,
		       coalesce((SELECT string_agg(DISTINCT r.relname::text, ',') FROM pg_constraint f
		                 JOIN pg_class r ON r.oid = f.conrelid
		                 WHERE f.confrelid = c.oid AND f.contype = 'f' AND f.conrelid <> c.oid), '')
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
	var names []string
	for rows.Next() {
		var name, refs string
		if err := rows.Scan(&name, &refs); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if slices.Contains(kithUserTables, name) {
			continue
		}
		names = append(names, name)
		referencedBy[name] = strings.Split(refs, ",")
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	// Depth-first: a table is placed after every table that references it.
	var order []string
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
		order = append(order, t)
	}
	for _, t := range names {
		visit(t)
	}
	return order, nil
}

// The batch statements: $1 the user, $2 the batch size. Each reads the
// batch's keys from an index leading with user_id into an array, then
// deletes by key, so the delete is a look-up per key and never a join the
// planner could turn into a scan of the user's remaining rows. The last
// column counts the batch's own table.

const deleteSuggestionsSQL = `
WITH d AS (
    DELETE FROM kith.suggestions WHERE user_id = $1 AND id = ANY(ARRAY(
        SELECT id FROM kith.suggestions WHERE user_id = $1 ORDER BY id LIMIT $2))
    RETURNING 1)
SELECT count(*) FROM d`

// A batch of contacts goes with its memberships, deleted explicitly so
// they can be counted; the membership trigger then finds its contact
// already gone, and the cascades into kith.contact_groups and
// kith.suggestions find nothing left.
const deleteContactsSQL = `
WITH b AS MATERIALIZED (
    SELECT ARRAY(SELECT id FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT $2) AS ids
), m AS (
    DELETE FROM kith.contact_groups WHERE user_id = $1 AND contact_id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
), c AS (
    DELETE FROM kith.contacts WHERE user_id = $1 AND id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM c)`

// Groups are empty by now, unless a membership was added meanwhile.
const deleteGroupsSQL = `
WITH b AS MATERIALIZED (
    SELECT ARRAY(SELECT id FROM kith.groups WHERE user_id = $1 ORDER BY id LIMIT $2) AS ids
), m AS (
    DELETE FROM kith.contact_groups WHERE user_id = $1 AND group_id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
), g AS (
    DELETE FROM kith.groups WHERE user_id = $1 AND id = ANY((SELECT ids FROM b)::uuid[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM g)`

const deleteRunsSQL = `
WITH d AS (DELETE FROM kith.suggestion_runs WHERE user_id = $1 AND $2::int > 0 RETURNING 1)
SELECT count(*) FROM d`
