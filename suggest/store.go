package suggest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/pgarray"
)

// queries holds the Generator's SQL, qualified for its schema once.
type queries struct {
	start, excluded           string
	lock, lastRun, replace    string
	pending, resolve, status  string
	prune, dueCounts, minimal string
	stale                     string
}

// Active exclusions as a predicate over kith.suggestions, with $now and
// $dismissedAfter as the given placeholders.
func activeExclusion(now, dismissedAfter string) string {
	return `((status = 'snoozed' AND snoozed_until > ` + now + `) OR (status = 'dismissed' AND resolved_at > ` + dismissedAfter + `))`
}

func newQueries(schema string) queries {
	q := queries{
		// A resolution this look-up misses (one committing meanwhile) is
		// caught under the lock at write time: conflicts re-checks both
		// later tickets and active exclusions.
		start: `SELECT t.ticket, EXISTS (SELECT 1 FROM kith.suggestions
			WHERE user_id = $1 AND status <> 'pending' AND ` + activeExclusion("$2", "$3") + `)
			FROM (SELECT nextval('kith.suggestion_seq') AS ticket OFFSET 0) t`,
		excluded: `SELECT DISTINCT contact_id FROM kith.suggestions
			WHERE user_id = $1 AND contact_id = ANY($2::uuid[]) AND status <> 'pending' AND ` + activeExclusion("$3", "$4"),
		// The key deliberately avoids the text "kith." so Qualify leaves it alone.
		lock:    `SELECT pg_advisory_xact_lock(hashtextextended('kith/suggest/' || $1::text || '/' || $2::text, 0))`,
		lastRun: `SELECT run_seq FROM kith.suggestion_runs WHERE user_id = $1`,
		// replace is one round trip: it counts the winners resolved after
		// the run took its ticket (the run may not have seen that) or
		// excluded now, and only if there are none deletes the pending
		// suggestions that are not winners, upserts the winners (a winner
		// deleted meanwhile is skipped by the join), and records the run.
		// It always returns at least one row: the conflict count, and the
		// contact and suggestion IDs written (NULL when none).
		replace: `WITH conflicts AS (
			    SELECT count(*) AS n FROM kith.suggestions
			    WHERE user_id = $1 AND contact_id = ANY($2::uuid[]) AND status <> 'pending'
			      AND (resolved_seq > $8 OR ` + activeExclusion("$7", "$9") + `)
			), del AS (
			    DELETE FROM kith.suggestions
			    WHERE user_id = $1 AND status = 'pending' AND contact_id <> ALL($2::uuid[])
			      AND (SELECT n FROM conflicts) = 0
			), ins AS (
			    INSERT INTO kith.suggestions (user_id, contact_id, rank, score, reason, due_since, generated_at, run_seq)
			    SELECT $1, u.contact_id, u.rank, u.score, u.reason, NULLIF(u.due, '')::date, $7, $8
			    FROM unnest($2::uuid[], $3::int[], $4::float8[], $5::text[], $6::text[]) AS u(contact_id, rank, score, reason, due)
			    JOIN kith.contacts c ON c.user_id = $1 AND c.id = u.contact_id
			    WHERE (SELECT n FROM conflicts) = 0
			    ON CONFLICT (user_id, contact_id) WHERE status = 'pending' DO UPDATE SET
			        rank = EXCLUDED.rank, score = EXCLUDED.score, reason = EXCLUDED.reason,
			        due_since = EXCLUDED.due_since, generated_at = EXCLUDED.generated_at, run_seq = EXCLUDED.run_seq
			    RETURNING contact_id, id
			), run AS (
			    INSERT INTO kith.suggestion_runs (user_id, run_seq, generated_at, scanned, eligible, suggested, time_zone)
			    SELECT $1, $8, $7, $10, $11, cardinality($2::uuid[]), $12
			    WHERE (SELECT n FROM conflicts) = 0
			    ON CONFLICT (user_id) DO UPDATE SET run_seq = EXCLUDED.run_seq, generated_at = EXCLUDED.generated_at,
			        scanned = EXCLUDED.scanned, eligible = EXCLUDED.eligible, suggested = EXCLUDED.suggested,
			        time_zone = EXCLUDED.time_zone, updated_at = now()
			)
			SELECT c.n, i.contact_id, i.id FROM conflicts c LEFT JOIN ins i ON true`,
		// pending reads the stored set joined to the contacts as they are
		// now; Pending re-scores each row in Go (no per-row query) and
		// drops the ones no longer due. Deleted contacts cascade away.
		pending: `SELECT s.id, s.generated_at, c.id, c.name, c.last_contact_date, c.frequency, c.group_ids::text[], c.archived
			FROM kith.suggestions s JOIN kith.contacts c ON c.user_id = s.user_id AND c.id = s.contact_id
			WHERE s.user_id = $1 AND s.status = 'pending' AND NOT c.archived
			ORDER BY s.rank, s.contact_id`,
		// prune deletes one batch of a user's resolved suggestions that no
		// longer decide an exclusion and are older than retention: $2 is
		// now − retention, $3 is now − cool-down − retention, $4 the batch.
		// Rows are found through (user_id, resolved_at) and deleted by
		// tuple ID, so no other user's rows are read.
		prune: `DELETE FROM kith.suggestions WHERE user_id = $1 AND ctid = ANY(ARRAY(
			    SELECT ctid FROM kith.suggestions
			    WHERE user_id = $1 AND status <> 'pending' AND resolved_at < $2
			      AND NOT (status = 'dismissed' AND resolved_at >= $3)
			      AND NOT (status = 'snoozed' AND snoozed_until >= $2)
			    ORDER BY resolved_at LIMIT $4))`,
		// dueCounts counts the user's contacts due by two local dates
		// without any zone arithmetic in SQL: $2 and $3 hold, per frequency
		// (weekly ... annual), the first instant after which a last contact
		// is too recent to be due by that date, computed in Go by the same
		// Calendar as Generate. Contacts hidden now by a snooze or a
		// dismissal cool-down are not counted. An index-only scan of the
		// user's primary-key range.
		dueCounts: `SELECT count(*) FILTER (WHERE c.last_contact_date IS NULL
			        OR c.last_contact_date < ($2::timestamptz[])[array_position($4::text[], c.frequency)]),
			    count(*) FILTER (WHERE c.last_contact_date IS NULL
			        OR c.last_contact_date < ($3::timestamptz[])[array_position($4::text[], c.frequency)])
			FROM kith.contacts c
			WHERE c.user_id = $1 AND NOT c.archived AND c.frequency = ANY($4::text[])
			  AND NOT EXISTS (SELECT 1 FROM kith.suggestions s
			      WHERE s.user_id = $1 AND s.contact_id = c.id AND s.status <> 'pending' AND ` + activeExclusion("$5", "$6") + `)`,
		// stale lists the run's candidates that it must not write: resolved
		// after the run took its ticket ($3) or excluded now ($4, $5), or
		// deleted or archived since they were streamed. Both halves go
		// through user-leading indexes.
		stale: `SELECT contact_id FROM kith.suggestions
			    WHERE user_id = $1 AND contact_id = ANY($2::uuid[]) AND status <> 'pending'
			      AND (resolved_seq > $3 OR ` + activeExclusion("$4", "$5") + `)
			UNION
			SELECT u.id FROM unnest($2::uuid[]) AS u(id)
			    WHERE NOT EXISTS (SELECT 1 FROM kith.contacts c WHERE c.user_id = $1 AND c.id = u.id AND NOT c.archived)`,
		minimal: `SELECT id, name, last_contact_date, frequency, group_ids::text[], archived
			FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		resolve: `UPDATE kith.suggestions
			SET status = $3, resolved_at = $4, resolved_seq = nextval('kith.suggestion_seq'), snoozed_until = $5
			WHERE user_id = $1 AND id = $2 AND status = 'pending'
			RETURNING contact_id`,
		status: `SELECT status FROM kith.suggestions WHERE user_id = $1 AND id = $2`,
	}
	for _, p := range []*string{
		&q.start, &q.excluded, &q.lock, &q.lastRun, &q.replace, &q.pending, &q.resolve, &q.status,
		&q.prune, &q.dueCounts, &q.minimal, &q.stale,
	} {
		*p = dbschema.Qualify(*p, schema)
	}
	return q
}

// excluded adds to out those of ids that userID snoozed (until after now)
// or dismissed (after dismissedAfter).
func (g *Generator) excluded(ctx context.Context, userID uuid.UUID, ids []uuid.UUID, now, dismissedAfter time.Time, out map[uuid.UUID]struct{}) error {
	rows, err := g.db.QueryContext(ctx, g.q.excluded, userID, pgarray.UUIDs(ids), now, dismissedAfter)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = struct{}{}
	}
	return rows.Err()
}

// lockUser takes the per-user transaction lock that serializes writers of
// one user's suggestions.
func (g *Generator) lockUser(ctx context.Context, tx *sql.Tx, userID uuid.UUID) error {
	if _, err := tx.ExecContext(ctx, g.q.lock, g.schema, userID); err != nil {
		return fmt.Errorf("lock user: %w", err)
	}
	return nil
}

// write replaces userID's pending suggestions with the best K of
// res.Suggestions, filling in their IDs, unless a newer run already wrote
// (superseded).
//
// res.Suggestions holds up to K + spareWinners candidates. Under the user's
// lock, candidates resolved or excluded since the run took its ticket, or
// deleted or archived since they were streamed, are dropped and the next
// ones move up: the result is still the exact top K as long as no more
// than spareWinners were dropped, or the run had fewer candidates than it
// could hold (complete). Otherwise it returns errRetry and the run starts
// over.
func (g *Generator) write(ctx context.Context, userID uuid.UUID, ticket int64, res *Result, dismissedAfter time.Time, zone string, complete bool) (superseded bool, err error) {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op

	if err := g.lockUser(ctx, tx, userID); err != nil {
		return false, err
	}
	var last int64
	switch err := tx.QueryRowContext(ctx, g.q.lastRun, userID).Scan(&last); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("read last run: %w", err)
	case last > ticket:
		return true, nil
	}

	if err := g.dropStale(ctx, tx, userID, ticket, res, dismissedAfter, complete); err != nil {
		return false, err
	}
	n := len(res.Suggestions)
	ids := make([]uuid.UUID, n)
	ranks := make(pgarray.Int64s, n)
	scores := make(pgarray.Float64s, n)
	reasons := make(pgarray.Strings, n)
	dues := make(pgarray.Strings, n)
	for i, s := range res.Suggestions {
		ids[i], ranks[i], scores[i], reasons[i] = s.ContactID, int64(s.Rank), s.Score, s.Reason
		dues[i] = s.DueSince.String() // "" for none
	}
	rows, err := tx.QueryContext(ctx, g.q.replace, userID, pgarray.UUIDs(ids), ranks, scores, reasons, dues,
		res.GeneratedAt, ticket, dismissedAfter, res.Scanned, res.Eligible, zone)
	if err != nil {
		return false, fmt.Errorf("write suggestions: %w", err)
	}
	var conflicts int64
	byContact := make(map[uuid.UUID]uuid.UUID, n)
	for rows.Next() {
		var cid, sid uuid.NullUUID
		if err := rows.Scan(&conflicts, &cid, &sid); err != nil {
			rows.Close()
			return false, fmt.Errorf("write suggestions: %w", err)
		}
		if cid.Valid {
			byContact[cid.UUID] = sid.UUID
		}
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("write suggestions: %w", err)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("write suggestions: %w", err)
	}
	// A winner resolved meanwhile, or deleted: start over (the deferred
	// rollback undoes the statement).
	if conflicts > 0 || len(byContact) != n {
		return false, errRetry
	}
	for i := range res.Suggestions {
		res.Suggestions[i].ID = byContact[res.Suggestions[i].ContactID]
	}
	if g.retention >= 0 {
		if res.Pruned, err = g.pruneBatch(ctx, tx, userID, res.GeneratedAt); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return false, nil
}

// dropStale removes from res.Suggestions the candidates the stale query
// names, keeps the best g.k and renumbers their ranks; errRetry when too
// few remain to be sure of the top K.
func (g *Generator) dropStale(ctx context.Context, tx *sql.Tx, userID uuid.UUID, ticket int64, res *Result, dismissedAfter time.Time, complete bool) error {
	ids := make([]uuid.UUID, len(res.Suggestions))
	for i := range res.Suggestions {
		ids[i] = res.Suggestions[i].ContactID
	}
	rows, err := tx.QueryContext(ctx, g.q.stale, userID, pgarray.UUIDs(ids), ticket, res.GeneratedAt, dismissedAfter)
	if err != nil {
		return fmt.Errorf("check candidates: %w", err)
	}
	defer rows.Close()
	var stale map[uuid.UUID]bool
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("check candidates: %w", err)
		}
		if stale == nil {
			stale = make(map[uuid.UUID]bool)
		}
		stale[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check candidates: %w", err)
	}
	if len(stale) > 0 {
		res.Suggestions = slices.DeleteFunc(res.Suggestions, func(s Suggestion) bool { return stale[s.ContactID] })
	}
	if len(res.Suggestions) < g.k && !complete {
		return errRetry
	}
	res.Suggestions = res.Suggestions[:min(g.k, len(res.Suggestions))]
	for i := range res.Suggestions {
		res.Suggestions[i].Rank = i + 1
	}
	return nil
}

// maxReasonLen is the schema's limit on a reason, in characters.
const maxReasonLen = 500

// cleanReason makes a Scorer's reason storable: valid UTF-8, no NUL, at
// most maxReasonLen characters.
func cleanReason(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if utf8.RuneCountInString(s) > maxReasonLen {
		s = string([]rune(s)[:maxReasonLen])
	}
	return s
}
