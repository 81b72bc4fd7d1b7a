package gsync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"google.golang.org/api/googleapi"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
)

func newLedger(t *testing.T, schema string, clk *clock) *Ledger {
	t.Helper()
	l, err := NewLedger(LedgerConfig{Schema: schema, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLedgerTokenAndStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	l := newLedger(t, "", clk)
	user, neighbour := uuid.New(), uuid.New()
	const res = "people"

	st, err := l.Load(ctx, db, user, res)
	if err != nil || st != (State{}) {
		t.Fatalf("Load of nothing = %+v, %v", st, err)
	}
	status, err := l.Status(ctx, db, user, res)
	if err != nil || status.LastRun != nil || status.LastSuccessAt != nil || status.FailingSince != nil || status.Resource != res {
		t.Fatalf("Status of nothing = %+v, %v", status, err)
	}

	// A full run whose last page saves the token in its transaction.
	run, err := l.StartRun(ctx, db, user, res, Full)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SaveToken(ctx, tx, user, res, "tok-1", Full); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	fullAt := clk.Now()
	run, err = l.FinishRun(ctx, db, run, map[string]int64{"pages": 3, "people": 2500}, nil)
	if err != nil || run.Outcome != Succeeded || run.FinishedAt == nil {
		t.Fatalf("FinishRun = %+v, %v", run, err)
	}
	st, err = l.Load(ctx, db, user, res)
	if err != nil || st.Token != "tok-1" || !eqTime(st.LastFullSyncAt, fullAt) || !eqTime(st.LastSuccessAt, fullAt) || st.FailingSince != nil {
		t.Fatalf("Load = %+v, %v", st, err)
	}
	if _, err := l.FinishRun(ctx, db, run, nil, nil); err == nil {
		t.Error("a run finished twice")
	}

	// A token saved in a transaction rolled back is not saved.
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SaveToken(ctx, tx, user, res, "tok-lost", Incremental); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback()
	if st, _ := l.Load(ctx, db, user, res); st.Token != "tok-1" {
		t.Errorf("token %q after a rollback", st.Token)
	}

	// An incremental run keeps the full pass's time.
	clk.Add(time.Hour)
	run, _ = l.StartRun(ctx, db, user, res, Incremental)
	if err := l.SaveToken(ctx, db, user, res, "tok-2", Incremental); err != nil {
		t.Fatal(err)
	}
	if _, err := l.FinishRun(ctx, db, run, nil, nil); err != nil {
		t.Fatal(err)
	}
	st, _ = l.Load(ctx, db, user, res)
	if st.Token != "tok-2" || !eqTime(st.LastFullSyncAt, fullAt) || !eqTime(st.LastSuccessAt, clk.Now()) {
		t.Errorf("after an incremental run: %+v", st)
	}

	// Two failures: failing since the first, the last one's safe text.
	clk.Add(time.Hour)
	firstFailure := clk.Now()
	run, _ = l.StartRun(ctx, db, user, res, Incremental)
	if _, err := l.FinishRun(ctx, db, run, nil, &googleapi.Error{Code: 503, Message: "down for " + personal}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	run, _ = l.StartRun(ctx, db, user, res, Incremental)
	leaky := fmt.Errorf("page 2 for %s: %w", personal, &googleapi.Error{Code: 401, Message: "Invalid Credentials " + personal})
	run, err = l.FinishRun(ctx, db, run, map[string]int64{"pages": 1}, leaky)
	if err != nil {
		t.Fatal(err)
	}
	status, err = l.Status(ctx, db, user, res)
	if err != nil {
		t.Fatal(err)
	}
	if !eqTime(status.FailingSince, firstFailure) || status.LastError != "sync: Google access revoked: HTTP 401" {
		t.Errorf("failing: %+v", status)
	}
	if r := status.LastRun; r == nil || r.ID != run.ID || r.Outcome != Failed || r.Kind != Incremental ||
		r.Error != status.LastError || r.Counts["pages"] != 1 || !eqTime(r.FinishedAt, clk.Now()) || !r.StartedAt.Equal(run.StartedAt) {
		t.Errorf("last run %+v, want %+v", status.LastRun, run)
	}
	if !eqTime(status.LastSuccessAt, firstFailure.Add(-time.Hour)) {
		t.Errorf("LastSuccessAt moved on failures: %v", status.LastSuccessAt)
	}

	// A cancelled run changes nothing of the state; a running one shows.
	run, _ = l.StartRun(ctx, db, user, res, Incremental)
	run, _ = l.FinishRun(ctx, db, run, nil, fmt.Errorf("wrapped: %w", context.Canceled))
	if run.Outcome != Cancelled {
		t.Errorf("outcome %q", run.Outcome)
	}
	running, _ := l.StartRun(ctx, db, user, res, Incremental)
	status, _ = l.Status(ctx, db, user, res)
	if !eqTime(status.FailingSince, firstFailure) || status.LastRun.ID != running.ID || status.LastRun.FinishedAt != nil || status.LastRun.Outcome != "" {
		t.Errorf("after a cancel and a start: %+v, last run %+v", status, status.LastRun)
	}

	// Success clears the failure; clearing the token keeps the rest.
	clk.Add(time.Hour)
	if _, err := l.FinishRun(ctx, db, running, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.ClearToken(ctx, db, user, res); err != nil {
		t.Fatal(err)
	}
	status, _ = l.Status(ctx, db, user, res)
	st, _ = l.Load(ctx, db, user, res)
	if status.FailingSince != nil || status.LastError != "" || !eqTime(status.LastSuccessAt, clk.Now()) || st.Token != "" || !eqTime(st.LastFullSyncAt, fullAt) {
		t.Errorf("after success and clear: %+v, %+v", status, st)
	}

	// Nothing of it shows for another user or another resource.
	for _, k := range []struct {
		u uuid.UUID
		r string
	}{{neighbour, res}, {user, "calendar:primary"}} {
		if s, err := l.Status(ctx, db, k.u, k.r); err != nil || s.LastRun != nil || s.LastSuccessAt != nil {
			t.Errorf("Status(%v, %s) = %+v, %v", k.u, k.r, s, err)
		}
	}
	if err := l.SaveToken(ctx, db, user, res, "", Full); err == nil {
		t.Error("empty token saved")
	}
	if _, err := l.StartRun(ctx, db, user, res, "partial"); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := l.Load(ctx, db, uuid.Nil, res); err == nil {
		t.Error("uuid.Nil accepted")
	}
}

// TestLedgerKeepsLastRuns: finishing a run deletes all but the newest
// KeptRuns of its user and resource, and no other's.
func TestLedgerKeepsLastRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	l := newLedger(t, "", clk)
	user, other := uuid.New(), uuid.New()
	var last Run
	for i := range KeptRuns + 12 {
		for _, k := range []struct {
			u uuid.UUID
			r string
		}{{user, "people"}, {user, "calendarList"}, {other, "people"}} {
			if k.u == other && i >= 5 {
				continue
			}
			run, err := l.StartRun(ctx, db, k.u, k.r, Incremental)
			if err != nil {
				t.Fatal(err)
			}
			if k.r == "calendarList" && i >= 20 {
				continue // left running: never pruned by its own finish
			}
			if run, err = l.FinishRun(ctx, db, run, map[string]int64{"i": int64(i)}, nil); err != nil {
				t.Fatal(err)
			}
			if k.u == user && k.r == "people" {
				last = run
			}
		}
		clk.Add(time.Minute)
	}
	counts := map[string]int{}
	rows, err := db.QueryxContext(ctx, `SELECT user_id::text || '/' || resource, count(*), min((counts->>'i')::int)
		FROM kith.sync_runs GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	mins := map[string]int{}
	for rows.Next() {
		var k string
		var n, lo int
		if err := rows.Scan(&k, &n, &lo); err != nil {
			t.Fatal(err)
		}
		counts[k], mins[k] = n, lo
	}
	rows.Close()
	if k := user.String() + "/people"; counts[k] != KeptRuns || mins[k] != 12 {
		t.Errorf("%s: %d runs from %d, want %d from 12", k, counts[k], mins[k], KeptRuns)
	}
	if k := user.String() + "/calendarList"; counts[k] != KeptRuns+12 || mins[k] != 0 {
		t.Errorf("%s: %d runs from %d, want all %d kept (the last finish was run 19)", k, counts[k], mins[k], KeptRuns+12)
	}
	if k := other.String() + "/people"; counts[k] != 5 {
		t.Errorf("%s: %d runs, want 5", k, counts[k])
	}
	if s, _ := l.Status(ctx, db, user, "people"); s.LastRun == nil || s.LastRun.ID != last.ID || s.LastRun.Counts["i"] != KeptRuns+11 {
		t.Errorf("last run %+v, want %+v", s.LastRun, last)
	}
}

// TestLedgerSchema: the ledger works in a schema of the host's choosing.
func TestLedgerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{Schema: "crm"}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	l := newLedger(t, "crm", clk)
	user := uuid.New()
	run, err := l.StartRun(ctx, db, user, "calendar:primary", Full)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SaveToken(ctx, db, user, "calendar:primary", "t", Full); err != nil {
		t.Fatal(err)
	}
	if _, err := l.FinishRun(ctx, db, run, nil, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM crm.sync_state s JOIN crm.sync_runs r USING (user_id, resource) WHERE s.sync_token = 't'`); err != nil || n != 1 {
		t.Errorf("rows in crm: %d, %v", n, err)
	}
	if _, err := NewLedger(LedgerConfig{Schema: "Bad Schema"}); err == nil || !strings.HasPrefix(err.Error(), "Schema:") {
		t.Errorf("bad schema: %v", err)
	}
}

// TestLedgerBothDrivers runs the round trip through lib/pq and pgx.
func TestLedgerBothDrivers(t *testing.T) {
	t.Parallel()
	for driver, db := range pools(t) {
		t.Run(driver, func(t *testing.T) { ledgerRoundTrip(t, db) })
	}
}

func ledgerRoundTrip(t *testing.T, db *sqlx.DB) {
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.FixedZone("x", 3600))}
	l := newLedger(t, "", clk)
	user := uuid.New()
	run, err := l.StartRun(ctx, db, user, "people", Full)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SaveToken(ctx, db, user, "people", "tok", Full); err != nil {
		t.Fatal(err)
	}
	run, err = l.FinishRun(ctx, db, run, map[string]int64{"people": 1 << 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := l.Status(ctx, db, user, "people")
	if err != nil {
		t.Fatal(err)
	}
	r := st.LastRun
	if r == nil || r.Counts["people"] != 1<<40 || !r.StartedAt.Equal(run.StartedAt) || !eqTime(r.FinishedAt, *run.FinishedAt) ||
		!eqTime(st.LastFullSyncAt, clk.Now().Truncate(time.Microsecond)) {
		t.Errorf("status %+v, run %+v; want %+v", st, r, run)
	}
}

func eqTime(p *time.Time, want time.Time) bool { return p != nil && p.Equal(want) }

// TestLedgerStatuses lists a user's resources by prefix, each with its
// own last run, and nothing of another user's; a run that turned full
// records Full.
func TestLedgerStatuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	l := newLedger(t, "", clk)
	user, other := uuid.New(), uuid.New()
	if got, err := l.Statuses(ctx, db, user, ""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Statuses of nothing = %#v, %v", got, err)
	}
	work := CalendarResource("work@example.com")
	for _, k := range []struct {
		u   uuid.UUID
		res string
		err error
	}{
		{user, ResourcePeople, nil},
		{user, CalendarResource("primary"), &APIError{Code: 500}},
		{user, work, nil},
		{user, ResourceCalendarList, nil},
		{other, CalendarResource("primary"), nil},
	} {
		run, err := l.StartRun(ctx, db, k.u, k.res, Incremental)
		if err != nil {
			t.Fatal(err)
		}
		run.Kind = Full // the token expired: the run went on with a full pass
		if _, err := l.FinishRun(ctx, db, run, nil, k.err); err != nil {
			t.Fatal(err)
		}
	}
	running, _ := l.StartRun(ctx, db, user, CalendarResource("zz-new"), Full) // started, never finished: listed
	if err := l.SaveToken(ctx, db, user, CalendarResource("aa-token-only"), "t", Full); err != nil {
		t.Fatal(err)
	}
	got, err := l.Statuses(ctx, db, user, CalendarPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Resource)
	}
	want := []string{"calendar:aa-token-only", "calendar:primary", work, "calendar:zz-new"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("resources %v, want %v", names, want)
	}
	if got[0].LastRun != nil || got[0].LastFullSyncAt == nil {
		t.Errorf("token only: %+v", got[0])
	}
	if s := got[1]; s.FailingSince == nil || s.LastError != "sync: Google API error: HTTP 500" || s.LastRun.Kind != Full || s.LastRun.Outcome != Failed {
		t.Errorf("failing calendar: %+v, run %+v", s, s.LastRun)
	}
	if s := got[2]; s.LastSuccessAt == nil || s.FailingSince != nil || s.LastRun.Outcome != Succeeded {
		t.Errorf("working calendar: %+v", s)
	}
	if s := got[3]; s.LastRun == nil || s.LastRun.ID != running.ID || s.LastRun.FinishedAt != nil || s.LastSuccessAt != nil {
		t.Errorf("running calendar: %+v", s)
	}
	all, err := l.Statuses(ctx, db, user, "")
	if err != nil || len(all) != 6 {
		t.Errorf("all resources: %d, %v", len(all), err)
	}
	one, err := l.Status(ctx, db, user, CalendarResource("primary"))
	if err != nil || one.LastRun == nil || one.LastRun.ID != got[1].LastRun.ID || one.LastError != got[1].LastError {
		t.Errorf("Status = %+v, want %+v", one, got[1])
	}
	if _, err := l.FinishRun(ctx, db, Run{ID: uuid.New(), UserID: user, Resource: ResourcePeople, Kind: "partial"}, nil, nil); err == nil {
		t.Error("unknown kind accepted by FinishRun")
	}
}
