package jobs_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
)

// A user's pipelines run in order: while the user's contacts sync runs,
// the calendar sync and the suggestion job snooze; once it is done they
// run, calendar first. Another user's jobs are not held back, and a job
// waits at most Config.OrderWait.
func TestPipelineOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(3) // 0: ordered; 1: unrelated; 2: its contacts sync never ends
	seedContacts(t, db, users, 10)
	release := make(chan struct{})
	started := make(chan uuid.UUID, 10)
	var mu sync.Mutex
	var ran []string // "<pipeline> <user index>" in the order the work started
	index := func(u uuid.UUID) int { return slices.Index(users, u) }
	record := func(name string, u uuid.UUID) {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, name+" "+string(rune('0'+index(u))))
	}
	breaker := &labelBreaker{} // records the suggestion job's start
	j, err := jobs.New(db, jobs.Config{
		Suggest: newGenerator(t, db, nil),
		ContactsSync: func(ctx context.Context, u uuid.UUID) error {
			record("contacts", u)
			started <- u
			if index(u) == 0 {
				<-release
			}
			if index(u) == 2 {
				<-ctx.Done() // until its timeout
				return ctx.Err()
			}
			return nil
		},
		CalendarSync: func(ctx context.Context, u uuid.UUID) error {
			record("calendar", u)
			return nil
		},
		Breaker:     breaker,
		OrderSnooze: 20 * time.Millisecond,
		OrderWait:   3 * time.Second,
		SyncTimeout: 10 * time.Second,
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	client, events := startClient(t, db, j)
	for _, u := range users {
		for _, args := range []river.JobArgs{jobs.ContactsSyncArgs{UserID: u}, jobs.CalendarSyncArgs{UserID: u}, jobs.SuggestArgs{UserID: u}} {
			if _, err := client.Insert(ctx, args, &river.InsertOpts{Queue: jobs.Queue, MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	snoozed := map[string]int{}
	completed := map[string]bool{}
	key := func(ev *river.Event) string {
		var args jobs.SuggestArgs // every per-user job's args
		if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		return ev.Job.Kind + " " + string(rune('0'+index(args.UserID)))
	}
	// User 1's three jobs complete while user 0's contacts sync is held.
	for !completed[jobs.KindSuggest+" 1"] {
		ev := <-events
		switch ev.Kind {
		case river.EventKindJobCompleted:
			completed[key(ev)] = true
		case river.EventKindJobSnoozed:
			snoozed[key(ev)]++
		default:
			t.Fatalf("%s: %s", key(ev), ev.Kind)
		}
	}
	for _, k := range []string{jobs.KindCalendarSync + " 0", jobs.KindSuggest + " 0"} {
		if completed[k] {
			t.Errorf("%s completed while the user's contacts sync ran", k)
		}
	}
	close(release)
	for !completed[jobs.KindSuggest+" 0"] || !completed[jobs.KindCalendarSync+" 2"] || !completed[jobs.KindSuggest+" 2"] {
		ev := <-events
		switch ev.Kind {
		case river.EventKindJobCompleted:
			completed[key(ev)] = true
		case river.EventKindJobSnoozed:
			snoozed[key(ev)]++
		case river.EventKindJobFailed:
			if k := key(ev); k != jobs.KindContactsSync+" 2" {
				t.Fatalf("%s: %s", k, ev.Kind)
			}
			// Its 10 s timeout: the calendar sync waited 3 s at most.
			if !completed[jobs.KindCalendarSync+" 2"] {
				t.Error("user 2's calendar sync waited longer than OrderWait")
			}
		default:
			t.Fatalf("%s: %s", key(ev), ev.Kind)
		}
	}
	if snoozed[jobs.KindCalendarSync+" 0"] == 0 || snoozed[jobs.KindSuggest+" 0"] == 0 {
		t.Errorf("user 0's later jobs did not wait: snoozes %v", snoozed)
	}
	if completed[jobs.KindContactsSync+" 2"] {
		t.Error("user 2's contacts sync completed")
	}
	mu.Lock()
	order := slices.Clone(ran)
	mu.Unlock()
	pos := func(s string) int { return slices.Index(order, s) }
	if !(pos("contacts 0") < pos("calendar 0")) || pos("calendar 0") < 0 {
		t.Errorf("work order %v: user 0's calendar sync before its contacts sync", order)
	}
	breaker.mu.Lock()
	checks := slices.Clone(breaker.seen)
	breaker.mu.Unlock()
	for _, c := range checks {
		if c == jobs.PipelineSuggest+" "+users[0].String() && pos("calendar 0") < 0 {
			t.Errorf("user 0's suggestions ran before its calendar sync")
		}
	}
	// User 2's later jobs ran after OrderWait though its contacts sync
	// never finished.
	if pos("calendar 2") < 0 {
		t.Errorf("user 2's calendar sync never ran: %v", order)
	}
}
