package gsync

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
)

// Resource names, one per sync token a user has: the same names key the
// lock, the state and the run history.
const (
	// ResourcePeople is the People API's connections of the user
	// (contacts/googlesync).
	ResourcePeople = "people"
	// ResourceCalendarList is the user's calendar list (calendar).
	ResourceCalendarList = "calendarList"
	// CalendarPrefix starts the resource of one calendar's events; see
	// CalendarResource.
	CalendarPrefix = "calendar:"
)

// CalendarResource is the resource of the events of one calendar:
// "calendar:" and the calendar ID as the Calendar API gives it (use one
// form per calendar: "primary" and the user's email are different
// resources). A calendar ID can be an email address: never log it.
func CalendarResource(calendarID string) string { return CalendarPrefix + calendarID }

// Kind is the kind of a sync pass.
type Kind string

const (
	// Full: no sync token; every item is read, and what the pass did not
	// see is reconciled at its end.
	Full Kind = "full"
	// Incremental: from the stored sync token; only changes are read.
	Incremental Kind = "incremental"
)

// Outcome is how a sync run ended.
type Outcome string

const (
	// Succeeded: the run finished and saved its new sync token.
	Succeeded Outcome = "success"
	// Failed: the run stopped on an error (Run.Error says which kind).
	Failed Outcome = "failure"
	// Cancelled: the run's context was cancelled (a shutdown, the job
	// queue's cancel). It does not count as failing.
	Cancelled Outcome = "cancelled"
)

// KeptRuns is how many runs of one user and resource the history keeps:
// finishing a run deletes older ones.
const KeptRuns = 50

// maxErrorText bounds a stored error text (the column's CHECK).
const maxErrorText = 500

// Run is one recorded sync run of a user's resource.
type Run struct {
	ID       uuid.UUID
	UserID   uuid.UUID
	Resource string
	Kind     Kind
	// StartedAt is when the run began, after it had its lock.
	StartedAt time.Time
	// FinishedAt is nil while the run is going, or if its process died
	// before it could record the end.
	FinishedAt *time.Time
	// Outcome is "" while the run is going (or its process died).
	Outcome Outcome
	// Counts are the run's own figures (pages, items seen, inserted,
	// updated, deleted...: each sync documents its keys). Non-nil.
	Counts map[string]int64
	// Error is the privacy-safe text of the error the run failed with
	// (ErrorText): status codes, reason identifiers and kith's own words,
	// never a Google message, a token or personal data. "" on success.
	Error string
}

// Status is what a host shows about one user's sync of one resource:
// "last synced 5 minutes ago", "failing since Tuesday: HTTP 401". The zero
// value (all nil) means it never ran.
type Status struct {
	Resource string
	// LastSuccessAt is when a run last succeeded; nil if none ever did.
	LastSuccessAt *time.Time
	// LastFullSyncAt is when a full pass last completed (its last page
	// saved the token); nil if none ever did.
	LastFullSyncAt *time.Time
	// FailingSince is when the first of the failed runs since the last
	// success finished; nil when the last finished run succeeded (or
	// none finished). A cancelled run changes nothing.
	FailingSince *time.Time
	// LastError is the privacy-safe error text of the last failed run
	// since the last success; "" when not failing.
	LastError string
	// LastRun is the most recently started run, finished or not; nil if
	// none is recorded.
	LastRun *Run
}

// State is what a sync reads before a run.
type State struct {
	// Token is the stored sync token; "" means none: run a full pass.
	// Never log it.
	Token          string
	LastFullSyncAt *time.Time
	LastSuccessAt  *time.Time
	FailingSince   *time.Time
}

// LedgerConfig configures a Ledger. The zero value means the defaults.
type LedgerConfig struct {
	// Schema holds kith's tables ("" means "kith").
	Schema string
	// Now is the clock of started_at, finished_at and the state's times
	// (nil means time.Now).
	Now func() time.Time
}

// Ledger reads and writes kith.sync_state and kith.sync_runs. Every method
// takes the handle to run on (the sync's pinned connection, or the
// transaction of a page) and names the user: each statement reaches only
// that user's rows, through keys that lead with user_id. It is safe for
// concurrent use.
type Ledger struct {
	now func() time.Time
	q   ledgerSQL
}

type ledgerSQL struct {
	load, saveToken, clearToken, startRun, finishRun, status, statuses string
}

// NewLedger checks cfg and returns a Ledger. The error names the invalid
// field (the caller wraps it in its package's ErrInvalid).
func NewLedger(cfg LedgerConfig) (*Ledger, error) {
	schema, err := dbschema.Name(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("Schema: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	q := func(s string) string { return dbschema.Qualify(s, schema) }
	return &Ledger{now: cfg.Now, q: ledgerSQL{
		load:       q(loadSQL),
		saveToken:  q(saveTokenSQL),
		clearToken: q(clearTokenSQL),
		startRun:   q(startRunSQL),
		finishRun:  q(finishRunSQL),
		status:     q(statusSQL),
		statuses:   q(statusesSQL),
	}}, nil
}

func (l *Ledger) clock() time.Time { return l.now().Round(0).Truncate(time.Microsecond) }

func checkKey(userID uuid.UUID, resource string) error {
	if err := argcheck.User(userID); err != nil {
		return err // as Lock and Cache.Get: the sync package words it (it checks first)
	}
	if err := checkResource(resource); err != nil {
		return fmt.Errorf("sync: invalid: %w", err)
	}
	return nil
}

const loadSQL = `SELECT sync_token, last_full_sync_at, last_success_at, failing_since
FROM kith.sync_state WHERE user_id = $1 AND resource = $2`

// Load returns the stored state of (userID, resource); the zero State
// (no token) when nothing is stored.
func (l *Ledger) Load(ctx context.Context, db kith.DB, userID uuid.UUID, resource string) (State, error) {
	if err := checkKey(userID, resource); err != nil {
		return State{}, err
	}
	var (
		tok               sql.NullString
		full, succ, fails sql.NullTime
	)
	err := db.QueryRowContext(ctx, l.q.load, userID, resource).Scan(&tok, &full, &succ, &fails)
	if errors.Is(err, sql.ErrNoRows) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("sync: load state: %w", err)
	}
	return State{Token: tok.String, LastFullSyncAt: timePtr(full), LastSuccessAt: timePtr(succ), FailingSince: timePtr(fails)}, nil
}

const saveTokenSQL = `INSERT INTO kith.sync_state AS s (user_id, resource, sync_token, last_full_sync_at, updated_at)
VALUES ($1, $2, $3, CASE WHEN $4 = 'full' THEN $5::timestamptz END, $5)
ON CONFLICT (user_id, resource) DO UPDATE SET
    sync_token = EXCLUDED.sync_token,
    last_full_sync_at = coalesce(EXCLUDED.last_full_sync_at, s.last_full_sync_at),
    updated_at = EXCLUDED.updated_at`

// SaveToken stores the sync token a pass ended with. Call it in the
// transaction of the pass's last page, with that page's writes, so the
// token is saved exactly when everything before it is; kind Full also
// records the full pass's completion (Status.LastFullSyncAt). The run's
// outcome is recorded separately, by FinishRun.
func (l *Ledger) SaveToken(ctx context.Context, tx kith.DB, userID uuid.UUID, resource, token string, kind Kind) error {
	if err := checkKey(userID, resource); err != nil {
		return err
	}
	if token == "" {
		return errors.New("sync: invalid: empty sync token (use ClearToken)")
	}
	if err := checkKind(kind); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, l.q.saveToken, userID, resource, token, string(kind), l.clock()); err != nil {
		return fmt.Errorf("sync: save token: %w", err)
	}
	return nil
}

const clearTokenSQL = `UPDATE kith.sync_state SET sync_token = NULL, updated_at = $3
WHERE user_id = $1 AND resource = $2 AND sync_token IS NOT NULL`

// ClearToken forgets the stored sync token (Google said it expired): the
// next pass is full.
func (l *Ledger) ClearToken(ctx context.Context, db kith.DB, userID uuid.UUID, resource string) error {
	if err := checkKey(userID, resource); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, l.q.clearToken, userID, resource, l.clock()); err != nil {
		return fmt.Errorf("sync: clear token: %w", err)
	}
	return nil
}

func checkKind(k Kind) error {
	if k != Full && k != Incremental {
		return fmt.Errorf("sync: invalid: run kind %q: want %q or %q", string(k), Full, Incremental)
	}
	return nil
}

const startRunSQL = `INSERT INTO kith.sync_runs (user_id, id, resource, kind, started_at)
VALUES ($1, $2, $3, $4, $5)`

// StartRun records the start of a run (call it once the run holds its
// lock) and returns it, for FinishRun.
func (l *Ledger) StartRun(ctx context.Context, db kith.DB, userID uuid.UUID, resource string, kind Kind) (Run, error) {
	if err := checkKey(userID, resource); err != nil {
		return Run{}, err
	}
	if err := checkKind(kind); err != nil {
		return Run{}, err
	}
	// A version 7 ID grows with time (and within one process, with each
	// call), so runs started in the same microsecond still order.
	id, err := uuid.NewV7()
	if err != nil {
		return Run{}, fmt.Errorf("sync: start run: %w", err)
	}
	r := Run{ID: id, UserID: userID, Resource: resource, Kind: kind, StartedAt: l.clock(), Counts: map[string]int64{}}
	if _, err := db.ExecContext(ctx, l.q.startRun, userID, id, resource, string(kind), r.StartedAt); err != nil {
		return Run{}, fmt.Errorf("sync: start run: %w", err)
	}
	return r, nil
}

// finishRunSQL ends the run, updates the state (a success clears
// failing_since and last_error; a failure sets failing_since if unset and
// last_error; a cancel leaves the state alone) and deletes the runs of
// the (user, resource) beyond the newest $8, walking
// sync_runs_user_resource_idx backwards. $1 user, $2 run, $3 resource,
// $4 finished_at, $5 outcome, $6 counts, $7 error text, $8 runs kept,
// $9 kind.
const finishRunSQL = `WITH run AS (
    UPDATE kith.sync_runs SET finished_at = $4, outcome = $5, counts = $6::jsonb, error = $7, kind = $9
    WHERE user_id = $1 AND id = $2 AND finished_at IS NULL
    RETURNING 1
), state AS (
    INSERT INTO kith.sync_state AS s (user_id, resource, last_success_at, failing_since, last_error, updated_at)
    SELECT $1, $3, CASE WHEN $5 = 'success' THEN $4::timestamptz END,
           CASE WHEN $5 = 'failure' THEN $4::timestamptz END, $7, $4
    FROM run WHERE $5 <> 'cancelled'
    ON CONFLICT (user_id, resource) DO UPDATE SET
        last_success_at = CASE WHEN $5 = 'success' THEN EXCLUDED.updated_at ELSE s.last_success_at END,
        failing_since = CASE WHEN $5 = 'success' THEN NULL ELSE coalesce(s.failing_since, EXCLUDED.updated_at) END,
        last_error = EXCLUDED.last_error,
        updated_at = EXCLUDED.updated_at
    RETURNING 1
), pruned AS (
    DELETE FROM kith.sync_runs WHERE user_id = $1 AND id IN (
        SELECT id FROM kith.sync_runs WHERE user_id = $1 AND resource = $3
        ORDER BY started_at DESC, id DESC OFFSET $8)
    RETURNING 1
)
SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM pruned)`

// FinishRun records how run ended and returns it as recorded: success
// when runErr is nil, Cancelled when runErr is context.Canceled, else a
// failure with ErrorText(runErr), never runErr's own text. In the same
// statement it updates the state (see Status) and keeps only the newest
// KeptRuns runs of the user's resource. counts may be nil. run.Kind is
// recorded as given: an incremental run whose token expired and that
// went on with a full pass sets it to Full before finishing.
//
// Call it on a context that is not the run's (context.WithoutCancel) so a
// cancelled run is still recorded. A run already finished is an error.
func (l *Ledger) FinishRun(ctx context.Context, db kith.DB, run Run, counts map[string]int64, runErr error) (Run, error) {
	if err := checkKey(run.UserID, run.Resource); err != nil {
		return run, err
	}
	if err := checkKind(run.Kind); err != nil {
		return run, err
	}
	if counts == nil {
		counts = map[string]int64{}
	}
	js, err := json.Marshal(counts)
	if err != nil {
		return run, fmt.Errorf("sync: finish run: counts: %w", err)
	}
	at := l.clock()
	outcome, text := Succeeded, ""
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled):
		outcome, text = Cancelled, context.Canceled.Error()
	default:
		outcome, text = Failed, clip(ErrorText(runErr), maxErrorText)
	}
	var errText sql.NullString
	if text != "" {
		errText = sql.NullString{String: text, Valid: true}
	}
	var updated, pruned int64
	if err := db.QueryRowContext(ctx, l.q.finishRun, run.UserID, run.ID, run.Resource, at, string(outcome),
		string(js), errText, KeptRuns, string(run.Kind)).Scan(&updated, &pruned); err != nil {
		return run, fmt.Errorf("sync: finish run: %w", err)
	}
	if updated == 0 {
		return run, fmt.Errorf("sync: finish run %s: not found or already finished", run.ID)
	}
	run.FinishedAt, run.Outcome, run.Counts, run.Error = &at, outcome, counts, text
	return run, nil
}

// statusColumns are the columns scanStatus reads, the resource first.
const statusColumns = `s.last_success_at, s.last_full_sync_at, s.failing_since, s.last_error,
       r.id, r.kind, r.started_at, r.finished_at, r.outcome, r.counts, r.error`

// lastRunSQL is the lateral join of the newest run of k.resource.
const lastRunSQL = `LEFT JOIN LATERAL (
    SELECT id, kind, started_at, finished_at, outcome, counts, error FROM kith.sync_runs
    WHERE user_id = $1 AND resource = k.resource ORDER BY started_at DESC, id DESC LIMIT 1
) r ON true`

const statusSQL = `SELECT k.resource, ` + statusColumns + `
FROM (SELECT $2::text AS resource) k
LEFT JOIN kith.sync_state s ON s.user_id = $1 AND s.resource = k.resource
` + lastRunSQL

// Status returns the sync status of (userID, resource), in one statement.
func (l *Ledger) Status(ctx context.Context, db kith.DB, userID uuid.UUID, resource string) (Status, error) {
	if err := checkKey(userID, resource); err != nil {
		return Status{}, err
	}
	st, err := scanStatus(db.QueryRowContext(ctx, l.q.status, userID, resource), userID)
	if err != nil {
		return Status{}, fmt.Errorf("sync: status: %w", err)
	}
	return st, nil
}

const statusesSQL = `SELECT k.resource, ` + statusColumns + `
FROM (SELECT resource FROM kith.sync_state WHERE user_id = $1 AND starts_with(resource, $2)
      UNION
      SELECT DISTINCT resource FROM kith.sync_runs WHERE user_id = $1 AND starts_with(resource, $2)) k
LEFT JOIN kith.sync_state s ON s.user_id = $1 AND s.resource = k.resource
` + lastRunSQL + `
ORDER BY k.resource`

// Statuses returns the status of every resource of userID whose name
// starts with prefix ("" for all; "calendar:" for every calendar), in
// order of resource name, in one statement. A resource appears once it
// has a recorded run or a saved token. The slice is non-nil.
func (l *Ledger) Statuses(ctx context.Context, db kith.DB, userID uuid.UUID, prefix string) ([]Status, error) {
	if err := argcheck.User(userID); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, l.q.statuses, userID, prefix)
	if err != nil {
		return nil, fmt.Errorf("sync: statuses: %w", err)
	}
	defer rows.Close()
	out := []Status{}
	for rows.Next() {
		st, err := scanStatus(rows, userID)
		if err != nil {
			return nil, fmt.Errorf("sync: statuses: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sync: statuses: %w", err)
	}
	return out, nil
}

func scanStatus(row interface{ Scan(...any) error }, userID uuid.UUID) (Status, error) {
	var (
		resource                             string
		succ, full, fails, started, finished sql.NullTime
		lastErr, kind, outcome, runErr       sql.NullString
		id                                   uuid.NullUUID
		counts                               []byte
	)
	if err := row.Scan(&resource, &succ, &full, &fails, &lastErr,
		&id, &kind, &started, &finished, &outcome, &counts, &runErr); err != nil {
		return Status{}, err
	}
	st := Status{Resource: resource, LastSuccessAt: timePtr(succ), LastFullSyncAt: timePtr(full),
		FailingSince: timePtr(fails), LastError: lastErr.String}
	if id.Valid {
		r := &Run{ID: id.UUID, UserID: userID, Resource: resource, Kind: Kind(kind.String), StartedAt: started.Time,
			FinishedAt: timePtr(finished), Outcome: Outcome(outcome.String), Error: runErr.String, Counts: map[string]int64{}}
		if err := json.Unmarshal(counts, &r.Counts); err != nil {
			return Status{}, fmt.Errorf("counts: %w", err)
		}
		st.LastRun = r
	}
	return st, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
