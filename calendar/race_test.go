package calendar_test

import (
	"context"
	"testing"
	"time"

	"github.com/kithhq/kith/calendar"
)

// waitForLockWait returns once n backends of the database wait on a lock.
// It polls the server, never sleeps: each query is the wait.
func (e *env) waitForLockWait(n int) {
	e.t.Helper()
	for {
		got := e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if got >= n {
			return
		}
	}
}

// A page written while ApplyInteractions runs, with a meeting that ended
// inside the window being applied, is applied by the next call: the
// write waits for the watermark and moves it back.
func TestWriteDuringApplyIsNotLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, calendar.Rules{})
	ann := e.contact("Ann", "ann@example.com")
	e.apply(t0.Add(-10 * time.Hour))

	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	inTx, err := calendar.NewStore(tx, calendar.StoreConfig{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inTx.ApplyInteractions(ctx, e.user, t0); err != nil {
		t.Fatal(err)
	}
	end := t0.Add(-time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := e.store.WriteEvents(ctx, e.user, "primary", []calendar.Event{meeting("m", end, "ann@example.com")}, calendar.WriteOptions{})
		done <- err
	}()
	e.waitForLockWait(1)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	res := e.apply(t0.Add(time.Minute))
	if got, _ := e.lastContact(ann.ID); !sameTime(got, end) || res.Moved != 1 {
		t.Errorf("last contact %v (%+v), want %v", got, res, end)
	}
}

// ApplyInteractions started while a page is being written waits for it
// and sees its events.
func TestApplyDuringWriteSeesTheWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, calendar.Rules{})
	ann := e.contact("Ann", "ann@example.com")
	e.apply(t0.Add(-10 * time.Hour))

	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	inTx, err := calendar.NewStore(tx, calendar.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	end := t0.Add(-time.Hour)
	if _, err := inTx.WriteEvents(ctx, e.user, "primary", []calendar.Event{meeting("m", end, "ann@example.com")}, calendar.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		res calendar.ApplyResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := e.store.ApplyInteractions(ctx, e.user, t0)
		done <- result{res, err}
	}()
	e.waitForLockWait(1)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got, _ := e.lastContact(ann.ID); !sameTime(got, end) || r.res.Moved != 1 {
		t.Errorf("last contact %v (%+v), want %v", got, r.res, end)
	}
}
