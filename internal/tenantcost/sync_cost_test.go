package tenantcost_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/gsync"
)

// testSyncLedgerCost measures every statement of gsync's Ledger (the sync
// state and run history both Google syncs keep) for the user, beside
// neighbours that hold far more sync rows: 20,000 other users with a
// state row and two runs each, and one user with 50 runs of each of 200
// calendars.
func testSyncLedgerCost(t *testing.T, f *fixture) {
	ctx := context.Background()
	f.exec(t, `INSERT INTO kith.sync_state (user_id, resource, sync_token, last_success_at)
		SELECT gen_random_uuid(), 'people', 'tok', now() FROM generate_series(1, 20000)`)
	f.exec(t, `INSERT INTO kith.sync_runs (user_id, resource, kind, started_at, finished_at, outcome)
		SELECT user_id, resource, k, now() - interval '1 hour', now(), 'success'
		FROM kith.sync_state, unnest(ARRAY['full', 'incremental']) k`)
	f.exec(t, `INSERT INTO kith.sync_runs (user_id, resource, kind, started_at, finished_at, outcome)
		SELECT $1, 'calendar:' || c, 'incremental', now() - i * interval '1 hour', now(), 'success'
		FROM generate_series(1, 200) c, generate_series(1, 50) i`, uuid.New())
	// The user's own history is full: the next finish prunes one run.
	f.exec(t, `INSERT INTO kith.sync_runs (user_id, resource, kind, started_at, finished_at, outcome)
		SELECT $1, 'people', 'incremental', now() - i * interval '1 hour', now(), 'success'
		FROM generate_series(1, 50) i`, f.user)
	f.exec(t, `VACUUM (ANALYZE) kith.sync_state, kith.sync_runs`)

	l, err := gsync.NewLedger(gsync.LedgerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	u := f.user
	var run gsync.Run
	for _, s := range []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Ledger.Load/none", func(ctx context.Context) error {
			_, err := l.Load(ctx, f.conn, u, "people")
			return err
		}},
		{"Ledger.StartRun", func(ctx context.Context) (err error) {
			run, err = l.StartRun(ctx, f.conn, u, "people", gsync.Full)
			return err
		}},
		{"Ledger.SaveToken/insert", func(ctx context.Context) error {
			return l.SaveToken(ctx, f.conn, u, "people", "tok-1", gsync.Full)
		}},
		{"Ledger.SaveToken/update", func(ctx context.Context) error {
			return l.SaveToken(ctx, f.conn, u, "people", "tok-2", gsync.Incremental)
		}},
		{"Ledger.Load", func(ctx context.Context) error {
			st, err := l.Load(ctx, f.conn, u, "people")
			if err == nil && st.Token != "tok-2" {
				err = errors.New("token not saved")
			}
			return err
		}},
		{"Ledger.FinishRun", func(ctx context.Context) error {
			_, err := l.FinishRun(ctx, f.conn, run, map[string]int64{"pages": 1}, errors.New("boom"))
			return err
		}},
		{"Ledger.Status", func(ctx context.Context) error {
			st, err := l.Status(ctx, f.conn, u, "people")
			if err == nil && (st.LastRun == nil || st.LastRun.ID != run.ID || st.FailingSince == nil) {
				err = errors.New("wrong status")
			}
			return err
		}},
		{"Ledger.Statuses", func(ctx context.Context) error {
			all, err := l.Statuses(ctx, f.conn, u, "")
			if err == nil && (len(all) != 1 || all[0].LastRun == nil || all[0].LastRun.ID != run.ID) {
				err = errors.New("wrong statuses")
			}
			return err
		}},
		{"Ledger.ClearToken", func(ctx context.Context) error { return l.ClearToken(ctx, f.conn, u, "people") }},
	} {
		t.Run(s.name, func(t *testing.T) { f.measure(t, budgetFew, s.op) })
	}
	var n int
	if err := f.conn.QueryRowContext(ctx, `SELECT count(*) FROM kith.sync_runs WHERE user_id = $1`, u).Scan(&n); err != nil || n != gsync.KeptRuns {
		t.Errorf("the user has %d runs after a finish (%v), want %d", n, err, gsync.KeptRuns)
	}
}
