package jobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"iter"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

func TestMain(m *testing.M) {
	if os.Getenv(envWorker) != "" {
		os.Exit(workerMain())
	}
	kithtest.Main(m)
}

// now is the clock of every generator in these tests, so that runs in
// different processes compute the same suggestions.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// migrateRiver runs River's migrations on db, beside kith's schema.
func migrateRiver(t testing.TB, db *sqlx.DB) {
	t.Helper()
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrator.Migrate(context.Background(), rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
}

// A host runs kith.Migrate and River's migrator on one database, in either
// order, as often as it likes: each is idempotent and leaves the other's
// tables alone.
func TestMigrateKithAndRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 && len(res.Versions) == 0 {
			t.Error("first River migration applied no versions")
		}
		if round == 1 && len(res.Versions) != 0 {
			t.Errorf("second River migration applied %d versions, want 0", len(res.Versions))
		}
	}
	if err := kith.CheckSchema(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Errorf("kith schema after both: %v", err)
	}
	var riverTables, kithTables int
	if err := db.GetContext(ctx, &riverTables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'river%'`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &kithTables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'kith'`); err != nil {
		t.Fatal(err)
	}
	if riverTables < 3 || kithTables < 5 {
		t.Errorf("tables: %d of River's in public, %d of kith's in kith", riverTables, kithTables)
	}
	// River's validation passes with kith's tables beside it.
	v, err := migrator.Validate(ctx, nil)
	if err != nil || !v.OK {
		t.Errorf("River validate: %+v, %v", v, err)
	}
}

// seq yields the ids after after (all of them for uuid.Nil), then err if
// not nil.
func seq(ids []uuid.UUID, err error) func(context.Context, uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(_ context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
		return func(yield func(uuid.UUID, error) bool) {
			start := 0
			if after != uuid.Nil {
				start = slices.Index(ids, after) + 1
			}
			for _, id := range ids[start:] {
				if !yield(id, nil) {
					return
				}
			}
			if err != nil {
				yield(uuid.Nil, err)
			}
		}
	}
}

func newUsers(n int) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
	}
	return ids
}

func newGenerator(t testing.TB, db *sqlx.DB, breaker memguard.Breaker) *suggest.Generator {
	t.Helper()
	g, err := suggest.New(db, suggest.Config{Now: func() time.Time { return now }, Limit: 5, Breaker: breaker})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// insertClient is a River client that inserts but does not work.
func insertClient(t testing.TB, db *sqlx.DB, j *jobs.Jobs) *river.Client[*sql.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	if err := j.Register(workers); err != nil {
		t.Fatal(err)
	}
	c, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type jobCount struct {
	Kind  string `db:"kind"`
	Jobs  int    `db:"jobs"`
	Users int    `db:"users"`
}

func countJobs(t testing.TB, db *sqlx.DB) map[string]jobCount {
	t.Helper()
	var rows []jobCount
	if err := db.Select(&rows, `SELECT kind, count(*) AS jobs, count(DISTINCT args->>'user_id') AS users
		FROM river_job GROUP BY kind`); err != nil {
		t.Fatal(err)
	}
	m := map[string]jobCount{}
	for _, r := range rows {
		m[r.Kind] = r
	}
	return m
}

// The fan-out enqueues exactly one suggestion job per user, in batches;
// run again while those jobs are pending it enqueues nothing.
func TestFanOutOneJobPerUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(250)
	j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), Users: seq(users, nil), BatchSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	client := insertClient(t, db, j)
	first, err := j.FanOut(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if want := (jobs.FanOutResult{Users: 250, Inserted: 250, Duplicates: 0, Batches: 7}); first != want {
		t.Errorf("first fan-out: %+v, want %+v", first, want)
	}
	second, err := j.FanOut(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if want := (jobs.FanOutResult{Users: 250, Inserted: 0, Duplicates: 250, Batches: 7}); second != want {
		t.Errorf("second fan-out: %+v, want %+v", second, want)
	}
	got := countJobs(t, db)[jobs.KindSuggest]
	if got.Jobs != 250 || got.Users != 250 {
		t.Errorf("suggestion jobs: %d for %d users, want 250 for 250", got.Jobs, got.Users)
	}
	// Every user's job, and only theirs.
	var missing int
	if err := db.Get(&missing, `SELECT count(*) FROM unnest($1::uuid[]) AS u(id)
		WHERE NOT EXISTS (SELECT 1 FROM river_job WHERE kind = $2 AND (args->>'user_id')::uuid = u.id AND queue = $3)`,
		uuidArray(users), jobs.KindSuggest, jobs.Queue); err != nil {
		t.Fatal(err)
	}
	if missing != 0 {
		t.Errorf("%d users have no job in queue %q", missing, jobs.Queue)
	}
}

func uuidArray(ids []uuid.UUID) any {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return "{" + strings.Join(s, ",") + "}"
}

// A failure of the host's user sequence ends the fan-out with its error;
// the batches already committed stay, and a rerun enqueues the rest.
func TestFanOutUsersError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(25)
	boom := errors.New("users table unavailable")
	j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), Users: seq(users[:12], boom), BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.FanOut(ctx, insertClient(t, db, j))
	if !errors.Is(err, boom) {
		t.Fatalf("fan-out error %v, want the sequence's", err)
	}
	if want := (jobs.FanOutResult{Users: 10, Inserted: 10, Batches: 2}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	j2, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), Users: seq(users, nil), BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	res, err = j2.FanOut(ctx, insertClient(t, db, j2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 15 || res.Duplicates != 10 {
		t.Errorf("rerun: %+v, want 15 inserted, 10 duplicates", res)
	}
}

// pressureBreaker refuses while on is set.
type pressureBreaker struct{ on atomic.Bool }

func (b *pressureBreaker) Check(context.Context) error {
	if b.on.Load() {
		return &memguard.PressureError{Name: "test", InUse: 9, Limit: 10, Level: memguard.LevelHard}
	}
	return nil
}

func (b *pressureBreaker) Level() memguard.Level {
	if b.on.Load() {
		return memguard.LevelHard
	}
	return memguard.LevelNormal
}

// startClient starts a working River client and returns it with a channel
// of its job events.
func startClient(t testing.TB, db *sqlx.DB, j *jobs.Jobs) (*river.Client[*sql.Tx], <-chan *river.Event) {
	t.Helper()
	workers := river.NewWorkers()
	if err := j.Register(workers); err != nil {
		t.Fatal(err)
	}
	c, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
		Queues:            map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
		TestOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobSnoozed, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := c.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return c, events
}

// A suggestion job generates the user's suggestions and records counts.
// Under memory pressure it is snoozed, not failed: no attempt is used.
func TestSuggestJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(2)
	seedContacts(t, db, users, 20)
	breaker := &pressureBreaker{}
	j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), Breaker: breaker, PressureSnooze: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	client, events := startClient(t, db, j)

	res, err := client.Insert(ctx, jobs.SuggestArgs{UserID: users[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-events
	if ev.Kind != river.EventKindJobCompleted || ev.Job.ID != res.Job.ID {
		t.Fatalf("event %s for job %d, want completed for %d", ev.Kind, ev.Job.ID, res.Job.ID)
	}
	var stored int
	if err := db.Get(&stored, `SELECT count(*) FROM kith.suggestions WHERE user_id = $1 AND status = 'pending'`, users[0]); err != nil {
		t.Fatal(err)
	}
	if stored != 5 {
		t.Errorf("pending suggestions after the job: %d, want 5", stored)
	}
	var out jobs.SuggestOutput
	if err := json.Unmarshal(ev.Job.Output(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Suggested != 5 || out.Scanned != 20 || out.Eligible < 5 || out.Attempts != 1 || out.Superseded {
		t.Errorf("output %+v, want 5 suggested of 20 scanned in 1 attempt", out)
	}

	breaker.on.Store(true)
	res, err = client.Insert(ctx, jobs.SuggestArgs{UserID: users[1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev = <-events
	if ev.Kind != river.EventKindJobSnoozed || ev.Job.ID != res.Job.ID {
		t.Fatalf("event %s for job %d, want snoozed for %d", ev.Kind, ev.Job.ID, res.Job.ID)
	}
	var row struct {
		State       string    `db:"state"`
		Attempt     int       `db:"attempt"`
		ScheduledAt time.Time `db:"scheduled_at"`
	}
	if err := db.Get(&row, `SELECT state, attempt, scheduled_at FROM river_job WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	// River counts a snooze as an attempt in the row and gives it back on
	// the next run: max_attempts is raised by one per snooze.
	if row.State != "scheduled" || row.ScheduledAt.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("snoozed job: %+v, want scheduled about an hour ahead", row)
	}
	if err := db.Get(&stored, `SELECT count(*) FROM kith.suggestions WHERE user_id = $1`, users[1]); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Errorf("a snoozed job wrote %d suggestions", stored)
	}
	// The same user cannot be enqueued again while the job waits.
	dup, err := client.Insert(ctx, jobs.SuggestArgs{UserID: users[1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !dup.UniqueSkippedAsDuplicate {
		t.Error("a second job for a snoozed user was inserted")
	}
}

// seedContacts gives every user n contacts, all due in a spread of days,
// with one statement.
func seedContacts(t testing.TB, db *sqlx.DB, users []uuid.UUID, n int) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO kith.contacts (user_id, name, last_contact_date, frequency)
		SELECT u.id, 'Contact ' || g, $2::timestamptz - (g * 3 + get_byte(uuid_send(u.id), 0)) * interval '1 day',
		       (ARRAY['weekly','monthly','quarterly','annual'])[1 + g % 4]
		FROM unnest($1::uuid[]) AS u(id), generate_series(1, $3) AS g`, uuidArray(users), now, n); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	g := newGenerator(t, db, nil)
	for _, c := range []struct {
		name string
		db   kith.Beginner
		cfg  jobs.Config
	}{
		{"nil db", nil, jobs.Config{Suggest: g}},
		{"typed nil db", (*sqlx.DB)(nil), jobs.Config{Suggest: g}},
		{"no pipeline", db, jobs.Config{}},
		{"period", db, jobs.Config{Suggest: g, Period: time.Millisecond}},
		{"batch", db, jobs.Config{Suggest: g, BatchSize: jobs.MaxBatchSize + 1}},
		{"snooze", db, jobs.Config{Suggest: g, PressureSnooze: -1}},
		{"timeout", db, jobs.Config{Suggest: g, SuggestTimeout: -1}},
		{"attempts", db, jobs.Config{Suggest: g, MaxAttempts: -1}},
		{"order snooze", db, jobs.Config{Suggest: g, OrderSnooze: -time.Second}},
		{"typed nil breaker", db, jobs.Config{Suggest: g, Breaker: (*pressureBreaker)(nil)}},
	} {
		if _, err := jobs.New(c.db, c.cfg); !errors.Is(err, jobs.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", c.name, err)
		}
	}
	// A single connection is a kith.Beginner, but not a pool.
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = jobs.New(conn, jobs.Config{Suggest: g})
	if !errors.Is(err, jobs.ErrInvalid) || !strings.Contains(err.Error(), "*sql.Conn") || !strings.Contains(err.Error(), "needs a pool") {
		t.Errorf("New(*sql.Conn): %v, want ErrInvalid naming the handle and why", err)
	}
	t.Logf("New(*sql.Conn): %v", err)
	j, err := jobs.New(db, jobs.Config{Suggest: g})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.PeriodicJob(); !errors.Is(err, jobs.ErrInvalid) {
		t.Errorf("PeriodicJob without Users: %v, want ErrInvalid", err)
	}
}

// The fan-out job resumes where it stopped: an attempt that failed after
// two committed batches is retried by River from the user after the last
// one, so nobody is enqueued twice in one round even if their job
// completed in between.
func TestFanOutJobResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	users := newUsers(25)
	slices.SortFunc(users, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	boom := errors.New("users table unavailable")
	var calls []uuid.UUID // the resume point of each call
	users0 := seq(users[:12], boom)
	all := seq(users, nil)
	j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(t, db, nil), BatchSize: 5,
		Users: func(ctx context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
			calls = append(calls, after) // one fan-out job at a time: no race
			if len(calls) == 1 {
				return users0(ctx, after)
			}
			return all(ctx, after)
		}})
	if err != nil {
		t.Fatal(err)
	}
	client, events := startClient(t, db, j)
	res, err := client.Insert(ctx, jobs.FanOutArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []river.EventKind
	for ev := range events {
		if ev.Job.ID != res.Job.ID {
			continue // the suggestion jobs it enqueued
		}
		kinds = append(kinds, ev.Kind)
		if ev.Kind == river.EventKindJobCompleted {
			var out jobs.FanOutResult
			if err := json.Unmarshal(ev.Job.Output(), &out); err != nil {
				t.Fatal(err)
			}
			if want := (jobs.FanOutResult{Users: 25, Inserted: 25, Batches: 5}); out != want {
				t.Errorf("output %+v, want %+v", out, want)
			}
			break
		}
	}
	if !slices.Equal(kinds, []river.EventKind{river.EventKindJobFailed, river.EventKindJobCompleted}) {
		t.Errorf("fan-out events %v, want failed then completed", kinds)
	}
	if !slices.Equal(calls, []uuid.UUID{uuid.Nil, users[9]}) {
		t.Errorf("Users called after %v, want from the start, then after the 10th user", calls)
	}
	if c := countJobs(t, db)[jobs.KindSuggest]; c.Jobs != 25 || c.Users != 25 {
		t.Errorf("suggestion jobs: %d for %d users, want 25", c.Jobs, c.Users)
	}
}
