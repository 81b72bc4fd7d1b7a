package jobs_test

import (
	"context"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
)

// labelBreaker records the profile labels of the context each Check gets:
// the suggestion and fan-out workers check the breaker inside their
// labels, before their work.
type labelBreaker struct {
	mu   sync.Mutex
	seen []string
}

func labelsOf(ctx context.Context) string {
	p, _ := pprof.Label(ctx, jobs.LabelPipeline)
	u, ok := pprof.Label(ctx, jobs.LabelUser)
	if !ok {
		u = "-"
	}
	return p + " " + u
}

func (b *labelBreaker) Check(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = append(b.seen, labelsOf(ctx))
	return nil
}

func (b *labelBreaker) Level() memguard.Level { return memguard.LevelNormal }

// Every job runs under the profile labels of its pipeline and user, so a
// profile of a worker process splits its cost by both.
func TestProfileLabels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(2)
	seedContacts(t, db, users, 10)
	var mu sync.Mutex
	var inSync []string // labels seen inside the sync functions
	syncFunc := func(want string) jobs.SyncFunc {
		return func(ctx context.Context, user uuid.UUID) error {
			mu.Lock()
			defer mu.Unlock()
			inSync = append(inSync, want+": "+labelsOf(ctx))
			return nil
		}
	}
	breaker := &labelBreaker{}
	j, err := jobs.New(db, jobs.Config{
		Suggest:      newGenerator(t, db, nil),
		ContactsSync: syncFunc("contacts"),
		CalendarSync: syncFunc("calendar"),
		Users:        seq(users[:1], nil),
		Breaker:      breaker,
		OrderSnooze:  20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	client, events := startClient(t, db, j)
	// The fan-out enqueues users[0]'s three jobs; users[1]'s are inserted
	// directly.
	for _, args := range []river.JobArgs{jobs.FanOutArgs{}, jobs.ContactsSyncArgs{UserID: users[1]},
		jobs.CalendarSyncArgs{UserID: users[1]}, jobs.SuggestArgs{UserID: users[1]}} {
		if _, err := client.Insert(ctx, args, nil); err != nil {
			t.Fatal(err)
		}
	}
	for done := 0; done < 7; {
		switch ev := <-events; ev.Kind {
		case river.EventKindJobCompleted:
			done++
		case river.EventKindJobSnoozed: // waiting for the user's earlier pipeline
		default:
			t.Fatalf("job %d %s: %s", ev.Job.ID, ev.Job.Kind, ev.Kind)
		}
	}
	// Outside a job, no labels.
	if l := labelsOf(ctx); l != " -" {
		t.Errorf("test goroutine labels %q", l)
	}
	count := func(seen []string) map[string]int {
		m := map[string]int{}
		for _, s := range seen {
			m[s]++
		}
		return m
	}
	wantSync := map[string]int{}
	wantBreaker := map[string]int{jobs.PipelineFanOut + " -": 1}
	for _, u := range users {
		wantSync["contacts: "+jobs.PipelineContactsSync+" "+u.String()] = 1
		wantSync["calendar: "+jobs.PipelineCalendarSync+" "+u.String()] = 1
		for _, p := range []string{jobs.PipelineContactsSync, jobs.PipelineCalendarSync, jobs.PipelineSuggest} {
			wantBreaker[p+" "+u.String()] = 1
		}
	}
	mu.Lock()
	gotSync := count(inSync)
	mu.Unlock()
	breaker.mu.Lock()
	gotBreaker := count(breaker.seen)
	breaker.mu.Unlock()
	for _, c := range []struct {
		what      string
		got, want map[string]int
	}{{"inside the syncs", gotSync, wantSync}, {"at the breaker", gotBreaker, wantBreaker}} {
		if len(c.got) != len(c.want) {
			t.Errorf("labels %s: %v, want %v", c.what, c.got, c.want)
			continue
		}
		for k, n := range c.want {
			if c.got[k] != n {
				t.Errorf("labels %s: %v, want %v", c.what, c.got, c.want)
				break
			}
		}
	}
}
