package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
)

// What a sync's error makes of its job: revoked access is never retried,
// a rate limit waits its RetryAfter, a busy lock waits briefly, memory
// pressure waits, a Google error that cannot fix itself is dropped, and
// the rest is retried with River's backoff.
func TestSyncJobOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	cases := []struct {
		name    string
		err     error
		event   river.EventKind
		snooze  time.Duration // for snoozes: the wait, within a minute
		attempt int           // the row's attempt count after the event
	}{
		{"success", nil, river.EventKindJobCompleted, 0, 1},
		{"revoked", fmt.Errorf("people: %w", gsync.ErrAccessRevoked), river.EventKindJobCancelled, 0, 1},
		{"rate limited", &gsync.RateLimitError{RetryAfter: 3 * time.Hour}, river.EventKindJobSnoozed, 3 * time.Hour, 1},
		{"busy", gsync.ErrBusy, river.EventKindJobSnoozed, 2 * time.Hour, 1},
		{"memory", &memguard.PressureError{Level: memguard.LevelHard}, river.EventKindJobSnoozed, time.Hour, 1},
		{"google 404", &gsync.APIError{Code: 404, Reason: "notFound"}, river.EventKindJobCancelled, 0, 1},
		{"google 503", &gsync.APIError{Code: 503}, river.EventKindJobFailed, 0, 1},
		{"timeout", context.DeadlineExceeded, river.EventKindJobFailed, 0, 1},
	}
	byUser := map[uuid.UUID]error{}
	users := newUsers(len(cases))
	for i, c := range cases {
		byUser[users[i]] = c.err
	}
	sync := func(_ context.Context, user uuid.UUID) (struct{}, error) { return struct{}{}, byUser[user] }
	j, err := jobs.New(db, jobs.Config{
		ContactsSync:   jobs.Sync(sync),
		CalendarSync:   jobs.Sync(sync),
		BusySnooze:     2 * time.Hour,
		PressureSnooze: time.Hour,
		OrderWait:      -1, // a snoozed contacts job does not hold the calendar job back
	})
	if err != nil {
		t.Fatal(err)
	}
	client, events := startClient(t, db, j)
	for i, c := range cases {
		for _, args := range []river.JobArgs{jobs.ContactsSyncArgs{UserID: users[i]}, jobs.CalendarSyncArgs{UserID: users[i]}} {
			// One attempt: a failure is final, so no retry's event
			// arrives among the next cases'.
			res, err := client.Insert(ctx, args, &river.InsertOpts{Queue: jobs.Queue, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			ev := <-events
			if ev.Job.ID != res.Job.ID || ev.Kind != c.event {
				t.Errorf("%s %s: event %s for job %d, want %s for %d", c.name, args.Kind(), ev.Kind, ev.Job.ID, c.event, res.Job.ID)
				continue
			}
			var row struct {
				State       string    `db:"state"`
				ScheduledAt time.Time `db:"scheduled_at"`
				Now         time.Time `db:"now"`
			}
			if err := db.Get(&row, `SELECT state, scheduled_at, now() AS now FROM river_job WHERE id = $1`, res.Job.ID); err != nil {
				t.Fatal(err)
			}
			if c.snooze > 0 {
				if wait := row.ScheduledAt.Sub(row.Now); row.State != "scheduled" || wait < c.snooze-time.Minute || wait > c.snooze {
					t.Errorf("%s %s: %s, runs again in %v, want scheduled in %v", c.name, args.Kind(), row.State, wait, c.snooze)
				}
			}
		}
	}
}

// The fan-out enqueues one job per user and configured pipeline.
func TestFanOutEveryPipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(30)
	nop := jobs.SyncFunc(func(context.Context, uuid.UUID) error { return nil })
	j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), ContactsSync: nop, CalendarSync: nop,
		Users: seq(users, nil), BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	client := insertClient(t, db, j)
	for round, want := range []jobs.FanOutResult{
		{Users: 30, Inserted: 90, Batches: 4},
		{Users: 30, Duplicates: 90, Batches: 4},
	} {
		got, err := j.FanOut(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("fan-out %d: %+v, want %+v", round+1, got, want)
		}
	}
	counts := countJobs(t, db)
	for _, kind := range []string{jobs.KindSuggest, jobs.KindContactsSync, jobs.KindCalendarSync} {
		if c := counts[kind]; c.Jobs != 30 || c.Users != 30 {
			t.Errorf("%s: %d jobs for %d users, want 30 for 30", kind, c.Jobs, c.Users)
		}
	}
	if jobs.Sync[int](nil) != nil {
		t.Error("Sync(nil) is not nil")
	}
	if _, err := jobs.New(db, jobs.Config{}); !errors.Is(err, jobs.ErrInvalid) {
		t.Errorf("no pipeline: %v, want ErrInvalid", err)
	}
}
