package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/suggest"
)

// The multi-process test: worker processes are this test binary started
// again with these variables set; TestMain then runs workerMain instead of
// the tests.
const (
	envWorker = "KITH_JOBS_WORKER" // the worker's River client ID
	envDSN    = "KITH_JOBS_DSN"
	envDriver = "KITH_JOBS_DRIVER"
	envHold   = "KITH_JOBS_HOLD"   // hold this many suggestion jobs forever (the worker to kill)
	envGoogle = "KITH_JOBS_GOOGLE" // base URL of the fake Google server the test process runs
)

// The fake Google account every user of TestWorkerProcesses has: people
// (who become contacts) and events of the primary calendar, whose meetings
// with those people move their last-contact dates.
var testAccount = googlefake.AccountConfig{People: 40, Events: 60, Anchor: now}

var processUsers = flag.Int("jobs.users", 200, "users in TestWorkerProcesses (the full run: 1000)")

// rescueAfter is River's RescueStuckJobsAfter in the worker processes:
// seconds, so the test sees a killed worker's jobs rescued. River's rescuer
// also leaves a job alone until its kind's timeout has passed, so each
// timeout bounds how long its jobs wait for rescue: jobTimeout for the
// per-user jobs (a page or two each, but the machines that run the test
// may be loaded several times over, and a job that outlives its timeout
// fails and runs again, which the test counts as a duplicate), and
// fanOutTimeout for the fan-out, which inserts every user's jobs while the
// workers already run the first ones (at 1,000 users on a machine at load
// 30 it took longer than 25 s). The rescuer runs every 30 s (not
// configurable), which sets the length of the kill -9 test.
const (
	rescueAfter   = 25 * time.Second
	jobTimeout    = 20 * time.Second
	fanOutTimeout = 5 * time.Minute
)

// workerMain is one worker process: a River client working kith's queue on
// the database envDSN names, until its stdin closes. It prints one line per
// event on stdout:
//
//	hold <job id>              a job it will never finish (envHold)
//	done <kind> <job id> <user id>
//	snoozed|failed|cancelled <kind> <job id>
func workerMain() int {
	id := os.Getenv(envWorker)
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "worker %s: %v\n", id, err)
		return 1
	}
	db, driver, err := openWorkerDB(os.Getenv(envDriver), os.Getenv(envDSN))
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	hold, _ := strconv.Atoi(os.Getenv(envHold))
	g, err := suggest.New(db, suggest.Config{Now: func() time.Time { return now }, Limit: 5})
	if err != nil {
		return fail(err)
	}
	people, cal, err := newSyncers(db, os.Getenv(envGoogle))
	if err != nil {
		return fail(err)
	}
	j, err := jobs.New(db, jobs.Config{
		Suggest:        g,
		Users:          usersTable(db),
		BatchSize:      200,
		SuggestTimeout: jobTimeout,
		FanOutTimeout:  fanOutTimeout,
		SyncTimeout:    jobTimeout,
		ContactsSync:   jobs.Sync(people.Sync),
		CalendarSync:   jobs.Sync(cal.SyncUser),
		OrderSnooze:    250 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fail(err)
	}
	workers := river.NewWorkers()
	if err := j.Register(workers); err != nil {
		return fail(err)
	}
	fanOut, err := j.PeriodicJob()
	if err != nil {
		return fail(err)
	}
	out := make(chan string, 1024)
	var middleware []rivertype.Middleware
	if hold > 0 {
		middleware = append(middleware, &holder{n: int64(hold), out: out})
	}
	client, err := river.NewClient(driver, &river.Config{
		ID:                   id,
		Queues:               map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: 8}},
		Workers:              workers,
		PeriodicJobs:         []*river.PeriodicJob{fanOut},
		FetchPollInterval:    50 * time.Millisecond,
		FetchCooldown:        10 * time.Millisecond,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		Middleware:           middleware,
		Logger:               slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fail(err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobSnoozed,
		river.EventKindJobFailed, river.EventKindJobCancelled)
	defer cancel()
	ctx := context.Background()
	if err := client.Start(ctx); err != nil {
		return fail(err)
	}
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin) //nolint:errcheck // EOF or error: stop either way
		close(stdinClosed)
	}()
	w := bufio.NewWriter(os.Stdout)
	for {
		select {
		case line := <-out:
			fmt.Fprintln(w, line)
		case ev := <-events:
			switch ev.Kind {
			case river.EventKindJobCompleted:
				var args jobs.SuggestArgs // the fan-out's are empty
				if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err != nil {
					return fail(err)
				}
				fmt.Fprintf(w, "done %s %d %s\n", ev.Job.Kind, ev.Job.ID, args.UserID)
			default:
				fmt.Fprintf(w, "%s %s %d\n", ev.Kind, ev.Job.Kind, ev.Job.ID)
			}
		case <-stdinClosed:
			stopCtx, stop := context.WithTimeout(ctx, 10*time.Second)
			err := client.Stop(stopCtx)
			stop()
			w.Flush() //nolint:errcheck // the parent reads what arrived
			if err != nil {
				return fail(err)
			}
			return 0
		}
		if len(out) == 0 && len(events) == 0 {
			if err := w.Flush(); err != nil {
				return fail(err)
			}
		}
	}
}

// openWorkerDB opens a worker's pool as a host on that database/sql driver
// would, with River's driver over it:
//
//   - lib/pq ("postgres"): a *sql.DB, riverdatabasesql.New (River polls);
//   - pgx ("pgx"): a pgxpool.Pool, a *sql.DB over it
//     (stdlib.OpenDBFromPool) for kith and River's work, and
//     riverdatabasesql.NewWithPgxListener, which takes one connection of
//     the pool for LISTEN/NOTIFY: new jobs are fetched when inserted.
//
// Either pool has room for the 8 workers (a sync holds one connection for
// its run, and takes a second while its TokenSource reads public.grants),
// River's own use, and the listener: 2 × 8 + 10.
func openWorkerDB(driverName, dsn string) (*sqlx.DB, riverdriver.Driver[*sql.Tx], error) {
	if driverName != "pgx" {
		db, err := sqlx.Open(driverName, dsn)
		if err != nil {
			return nil, nil, err
		}
		db.SetMaxOpenConns(26)
		return db, riverdatabasesql.New(db.DB), nil
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	cfg.MaxConns = 26
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, nil, err
	}
	db := sqlx.NewDb(stdlib.OpenDBFromPool(pool), "pgx")
	return db, riverdatabasesql.NewWithPgxListener(db.DB, pool), nil
}

// newSyncers returns the real Google Contacts and Calendar syncers over
// db, their clients pointed at the fake Google server at baseURL (the test
// process runs it; worker processes reach it over HTTP with the real
// google.golang.org/api clients). A user's access token comes from
// public.grants, as a host reads its stored grants. Their clock is the
// tests' fixed now, so every run computes the same dates.
func newSyncers(db *sqlx.DB, baseURL string) (*googlesync.Syncer, *calendar.Syncer, error) {
	if baseURL == "" {
		return nil, nil, fmt.Errorf("%s not set", envGoogle)
	}
	tokens := func(ctx context.Context, user uuid.UUID) (oauth2.TokenSource, error) {
		var token string
		if err := db.GetContext(ctx, &token, `SELECT access_token FROM public.grants WHERE user_id = $1`, user); err != nil {
			return nil, fmt.Errorf("grant of user %s: %w", user, err)
		}
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), nil
	}
	clock := func() time.Time { return now }
	people, err := googlesync.New(db, googlesync.Config{TokenSource: tokens, Now: clock,
		ClientOptions: []option.ClientOption{option.WithEndpoint(baseURL)}})
	if err != nil {
		return nil, nil, err
	}
	cal, err := calendar.New(db, calendar.Config{TokenSource: tokens, Now: clock,
		ClientOptions: []option.ClientOption{option.WithEndpoint(baseURL + "/calendar/v3/")}})
	if err != nil {
		return nil, nil, err
	}
	return people, cal, nil
}

// setUp creates the host's tables of these tests in db (public.users, and
// public.grants with each user's Google access token), inserts users
// (sorted) with 10 manual contacts each, and gives each a fake Google
// account on fake.
func setUp(t *testing.T, db *sqlx.DB, fake *googlefake.Server, users []uuid.UUID) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE public.users (id uuid PRIMARY KEY);
		CREATE TABLE public.grants (user_id uuid PRIMARY KEY, access_token text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, len(users))
	for i, u := range users {
		a := fake.Account(u.String())
		if a == nil {
			a = fake.AddAccount(u.String(), testAccount)
		}
		tokens[i] = a.Token()
	}
	if _, err := db.Exec(`INSERT INTO public.users SELECT unnest($1::uuid[]);
		`, uuidArray(users)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO public.grants SELECT unnest($1::uuid[]), unnest($2::text[])`,
		uuidArray(users), "{"+strings.Join(tokens, ",")+"}"); err != nil {
		t.Fatal(err)
	}
	seedContacts(t, db, users, 10)
}

// holder is a worker middleware that takes the first n suggestion jobs and
// never finishes them: the process holding them is killed.
type holder struct {
	river.MiddlewareDefaults
	n     int64
	taken atomic.Int64
	out   chan<- string
}

func (h *holder) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if job.Kind == jobs.KindSuggest && h.taken.Add(1) <= h.n {
		h.out <- fmt.Sprintf("hold %d", job.ID)
		select {} // until kill -9
	}
	return doInner(ctx)
}

// usersTable streams the IDs of public.users in keyset pages: the host's
// users table of these tests.
func usersTable(db *sqlx.DB) func(context.Context, uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(ctx context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
		return func(yield func(uuid.UUID, error) bool) {
			for {
				var page []uuid.UUID
				if err := db.SelectContext(ctx, &page, `SELECT id FROM public.users WHERE id > $1 ORDER BY id LIMIT 500`, after); err != nil {
					yield(uuid.Nil, err)
					return
				}
				for _, id := range page {
					if !yield(id, nil) {
						return
					}
				}
				if len(page) < 500 {
					return
				}
				after = page[len(page)-1]
			}
		}
	}
}

// A worker process and what it printed.
type workerProc struct {
	id    string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	exit  chan error
}

type workerEvent struct {
	worker string
	fields []string // hold <job> | done <kind> <job> [user] | <event> <kind> <job>
}

// startWorkers starts n worker processes on db; worker i holds hold[i]
// jobs. Their stdout lines arrive on the returned channel.
func startWorkers(t *testing.T, db *sqlx.DB, fake *googlefake.Server, n int, hold map[int]int) ([]*workerProc, chan workerEvent) {
	t.Helper()
	events := make(chan workerEvent, 4096)
	dsn, driver := kithtest.DSN(t, db), kithtest.Driver(t)
	var procs []*workerProc
	for i := range n {
		w := &workerProc{id: fmt.Sprintf("worker-%d", i), exit: make(chan error, 1)}
		w.cmd = exec.Command(os.Args[0], "-test.run=^$")
		w.cmd.Env = append(os.Environ(), envWorker+"="+w.id, envDSN+"="+dsn, envDriver+"="+driver,
			envHold+"="+strconv.Itoa(hold[i]), envGoogle+"="+fake.URL())
		w.cmd.Stderr = os.Stderr
		stdout, err := w.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if w.stdin, err = w.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				events <- workerEvent{worker: w.id, fields: strings.Fields(sc.Text())}
			}
			w.exit <- w.cmd.Wait()
		}()
		t.Cleanup(func() { w.cmd.Process.Kill() }) //nolint:errcheck // already gone is fine
		procs = append(procs, w)
	}
	return procs, events
}

// reportVictim waits for the killed worker's end, then reports as
// "done-before-kill" every job the database shows it completed: the
// process may have died between a job's completion and the line saying
// so. Its own lines are all queued on events before it ends, so these come
// after them.
func reportVictim(db *sqlx.DB, w *workerProc, events chan<- workerEvent) {
	<-w.exit
	var rows []struct {
		Kind string `db:"kind"`
		ID   int64  `db:"id"`
		User string `db:"user_id"`
	}
	if err := db.Select(&rows, `SELECT kind, id, coalesce(args->>'user_id', '') AS user_id FROM river_job
		WHERE state = 'completed' AND attempted_by[cardinality(attempted_by)] = $1`, w.id); err != nil {
		events <- workerEvent{worker: w.id, fields: []string{"error", err.Error()}}
		return
	}
	for _, r := range rows {
		events <- workerEvent{worker: w.id, fields: []string{"done-before-kill", r.Kind, strconv.FormatInt(r.ID, 10), r.User}}
	}
}

// TestWorkerProcesses runs one period of kith's jobs on three worker
// processes sharing one PostgreSQL: the leader's periodic fan-out enqueues
// every user's three jobs, the real Google Contacts sync and Calendar sync
// (contacts/googlesync, calendar) against a fake Google server this test
// process runs (every user has an account of 40 people and 60 events; the
// workers reach it over HTTP with the real Google API client), and
// suggestions. Every job runs exactly once, no user has duplicate pending
// suggestions, and each user's contacts (synced people, last-contact dates
// moved by meetings) and suggestions equal what one process computes by
// running the same syncs and GenerateAll over a second database with the
// same users. In "kill -9" one worker is killed while it holds jobs it
// started: River's rescuer (RescueStuckJobsAfter 25 s) hands them to the
// others, and nothing is lost or duplicated. -jobs.users sets the number
// of users (200; the full run is -jobs.users=1000, see the README).
func TestWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three worker processes; not with -short")
	}
	fake := googlefake.New(googlefake.Config{Seed: 14, Now: func() time.Time { return now }, MaxRecords: -1})
	t.Cleanup(fake.Close)
	users := newUsers(*processUsers)
	slices.SortFunc(users, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	// What one process computes for these users: the expected result of
	// both subtests.
	single := singleProcess(t, fake, users)
	t.Run("one period", func(t *testing.T) { runPeriod(t, fake, users, single, 0) })
	t.Run("kill -9", func(t *testing.T) { runPeriod(t, fake, users, single, 5) })
}

// userResult is one user's state after a period, as digests of rows
// without their generated IDs and times.
type userResult struct {
	Contacts    string // every contact: resource name, name, email, phone, last contact, frequency, archived, etag, ...
	Suggestions string // pending suggestions: rank, contact (resource name, name), score, reason, due since
}

// results reads every user's userResult from db, and counts the contacts
// synced from Google and those whose last-contact date a meeting set.
func results(t *testing.T, db *sqlx.DB) (res map[uuid.UUID]userResult, synced, met int) {
	t.Helper()
	var rows []struct {
		User        uuid.UUID `db:"user_id"`
		Contacts    string    `db:"contacts"`
		Suggestions string    `db:"suggestions"`
	}
	if err := db.Select(&rows, `SELECT c.user_id,
		md5(string_agg(concat_ws('|', c.google_resource_name, c.name, c.email, c.phone, c.last_contact_date,
			c.frequency, c.archived, c.source, c.google_etag, c.last_synced_at, c.sync_archived),
			E'\n' ORDER BY c.google_resource_name, c.name)) AS contacts,
		coalesce((SELECT md5(string_agg(concat_ws('|', s.rank, sc.google_resource_name, sc.name, s.score, s.reason, s.due_since),
			E'\n' ORDER BY s.rank))
			FROM kith.suggestions s JOIN kith.contacts sc ON sc.user_id = s.user_id AND sc.id = s.contact_id
			WHERE s.user_id = c.user_id AND s.status = 'pending'), '') AS suggestions
		FROM kith.contacts c GROUP BY c.user_id`); err != nil {
		t.Fatal(err)
	}
	res = map[uuid.UUID]userResult{}
	for _, r := range rows {
		res[r.User] = userResult{r.Contacts, r.Suggestions}
	}
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE google_resource_name <> ''),
		count(*) FILTER (WHERE google_resource_name <> '' AND last_contact_date IS NOT NULL) FROM kith.contacts`).Scan(&synced, &met); err != nil {
		t.Fatal(err)
	}
	return res, synced, met
}

// singleProcess runs each user's contacts sync, then calendar sync, in
// this process (four users at a time) on a database of its own set up as
// runPeriod's, then GenerateAll over all users, and returns the results.
func singleProcess(t *testing.T, fake *googlefake.Server, users []uuid.UUID) map[uuid.UUID]userResult {
	t.Helper()
	ctx := context.Background()
	db := kithtest.DB(t)
	setUp(t, db, fake, users)
	people, cal, err := newSyncers(db, fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	next := make(chan uuid.UUID)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var err error
			for u := range next {
				if err != nil {
					continue
				}
				if _, err = people.Sync(ctx, u); err == nil {
					_, err = cal.SyncUser(ctx, u)
				}
			}
			errs <- err
		}()
	}
	for _, u := range users {
		next <- u
	}
	close(next)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	g := newGenerator(t, db, nil)
	if _, err := g.GenerateAll(ctx, usersTable(db)(ctx, uuid.Nil), suggest.AllOptions{}); err != nil {
		t.Fatal(err)
	}
	res, synced, met := results(t, db)
	t.Logf("one process: %d users, %d contacts synced from Google, %d of them with a last-contact date from a meeting", len(res), synced, met)
	if len(res) != len(users) || synced < 30*len(users) || met < len(users) {
		t.Fatalf("one process: %d users, %d contacts synced, %d met: the accounts give too little to compare", len(res), synced, met)
	}
	return res
}

func runPeriod(t *testing.T, fake *googlefake.Server, users []uuid.UUID, single map[uuid.UUID]userResult, hold int) {
	db := kithtest.DB(t)
	migrateRiver(t, db)
	setUp(t, db, fake, users)
	nUsers := len(users)

	const victim = 2
	procs, events := startWorkers(t, db, fake, 3, map[int]int{victim: hold})
	completedBy := map[int64]string{}
	doneUsers := map[string]bool{} // kind and user
	perUserKinds := []string{jobs.KindContactsSync, jobs.KindCalendarSync, jobs.KindSuggest}
	var held []int64
	fanOuts, snoozes, killed := 0, 0, false
	// However long go test's -timeout allows (1,000 users need more than
	// 200), less a minute to report where the jobs stand.
	wait := 10 * time.Minute
	if d, ok := t.Deadline(); ok {
		wait = time.Until(d) - time.Minute
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for len(doneUsers) < len(perUserKinds)*nUsers || fanOuts == 0 {
		var ev workerEvent
		select {
		case ev = <-events:
		case <-deadline.C:
			var states []string
			db.Select(&states, `SELECT kind || ' ' || state || ' ' || count(*) FROM river_job GROUP BY kind, state ORDER BY 1`) //nolint:errcheck // diagnostics
			t.Fatalf("after %v: %d of %d per-user jobs done, %d fan-outs, held %v, killed %v; jobs: %q", wait.Round(time.Second), len(doneUsers), len(perUserKinds)*nUsers, fanOuts, held, killed, states)
		}
		f := ev.fields
		switch {
		case len(f) == 2 && f[0] == "hold":
			id, _ := strconv.ParseInt(f[1], 10, 64)
			held = append(held, id)
			if len(held) == hold {
				if err := procs[victim].cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
				killed = true
				go reportVictim(db, procs[victim], events)
			}
		case len(f) >= 3 && (f[0] == "done" || f[0] == "done-before-kill"):
			id, _ := strconv.ParseInt(f[2], 10, 64)
			by, ok := completedBy[id]
			if ok && f[0] == "done-before-kill" && by == ev.worker {
				continue // the victim printed it before it died
			}
			if ok {
				t.Errorf("job %d completed twice: by %s and %s", id, by, ev.worker)
			}
			completedBy[id] = ev.worker
			switch f[1] {
			case jobs.KindFanOut:
				fanOuts++
			default:
				doneUsers[f[1]+" "+f[3]] = true
			}
		case len(f) == 3 && f[0] == string(river.EventKindJobSnoozed) && f[1] != jobs.KindFanOut:
			snoozes++ // waiting for the user's earlier pipeline (Config.OrderWait)
		default:
			t.Errorf("%s: unexpected %q", ev.worker, f)
		}
	}
	if hold > 0 {
		if !killed {
			t.Fatalf("the victim held %d jobs, want %d", len(held), hold)
		}
		for _, id := range held {
			if by := completedBy[id]; by == procs[victim].id || by == "" {
				t.Errorf("held job %d completed by %q", id, by)
			}
		}
	}
	for i, w := range procs {
		if hold > 0 && i == victim {
			continue
		}
		w.stdin.Close()
		if err := <-w.exit; err != nil {
			t.Errorf("%s: %v", w.id, err)
		}
	}

	// The database agrees: one job per user, one fan-out, all completed.
	counts := countJobs(t, db)
	for _, kind := range perUserKinds {
		if c := counts[kind]; c.Jobs != nUsers || c.Users != nUsers {
			t.Errorf("%s jobs: %d for %d users, want %d", kind, c.Jobs, c.Users, nUsers)
		}
	}
	if c := counts[jobs.KindFanOut]; c.Jobs != 1 {
		t.Errorf("fan-out jobs: %d, want 1", c.Jobs)
	}
	var notDone int
	if err := db.Get(&notDone, `SELECT count(*) FROM river_job WHERE state <> 'completed'`); err != nil {
		t.Fatal(err)
	}
	if notDone != 0 {
		t.Errorf("%d jobs not completed", notDone)
	}
	// Exactly once: every job ran one attempt (a snooze gives its attempt
	// back), except those the killed worker had started, which ran a
	// second time elsewhere.
	var retried []struct {
		ID          int64  `db:"id"`
		Kind        string `db:"kind"`
		Attempt     int    `db:"attempt"`
		AttemptedBy string `db:"attempted_by"`
	}
	if err := db.Select(&retried, `SELECT id, kind, attempt, coalesce(array_to_string(attempted_by, ','), '') AS attempted_by
		FROM river_job WHERE attempt <> 1 ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	rescuedSyncs := map[string]int{}
	for _, r := range retried {
		if hold == 0 || r.Attempt != 2 || !slices.Contains(strings.Split(r.AttemptedBy, ","), procs[victim].id) {
			t.Errorf("job %d ran %d attempts (by %v)", r.ID, r.Attempt, r.AttemptedBy)
		}
		rescuedSyncs[r.Kind]++
	}
	if hold > 0 && len(retried) < hold {
		t.Errorf("%d jobs ran twice, want at least the %d held", len(retried), hold)
	}
	// The syncs' own run records: one successful run per user and
	// resource (the people, the calendar list, the primary calendar); a
	// second only for a rescued job, whose first run the kill left
	// unfinished.
	var runs []struct {
		Resource string `db:"resource"`
		Users    int    `db:"users"`
		Runs     int    `db:"runs"`
		Success  int    `db:"success"`
	}
	if err := db.Select(&runs, `SELECT CASE WHEN resource IN ('people', 'calendarList') THEN resource ELSE 'calendar' END AS resource,
		count(DISTINCT user_id) AS users, count(*) AS runs, count(*) FILTER (WHERE outcome = 'success') AS success
		FROM kith.sync_runs GROUP BY 1 ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Errorf("sync runs %+v, want people, calendarList and calendar", runs)
	}
	for _, r := range runs {
		rescued := rescuedSyncs[jobs.KindCalendarSync]
		if r.Resource == "people" {
			rescued = rescuedSyncs[jobs.KindContactsSync]
		}
		// A rescued sync may have finished its run before the kill
		// (then it succeeds twice) or not.
		if r.Users != nUsers || r.Success < nUsers || r.Runs-nUsers > rescued {
			t.Errorf("%s: %d runs (%d successful) for %d users, want one successful per user and at most %d more (rescued)",
				r.Resource, r.Runs, r.Success, r.Users, rescued)
		}
	}
	t.Logf("%d users, %d jobs completed, %d snoozes waiting for a user's earlier pipeline; %d rescued from the killed worker %v; sync runs %+v",
		nUsers, len(completedBy), snoozes, len(retried), rescuedSyncs, runs)

	// No duplicate pending suggestions.
	var dups int
	if err := db.Get(&dups, `SELECT count(*) FROM (SELECT 1 FROM kith.suggestions WHERE status = 'pending'
		GROUP BY user_id, contact_id HAVING count(*) > 1) d`); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Errorf("%d contacts have more than one pending suggestion", dups)
	}
	var genRuns int
	if err := db.Get(&genRuns, `SELECT count(*) FROM kith.suggestion_runs`); err != nil {
		t.Fatal(err)
	}
	if genRuns != nUsers {
		t.Errorf("%d generation runs, want one per user (%d)", genRuns, nUsers)
	}

	// The same as one process, user by user.
	got, synced, met := results(t, db)
	t.Logf("workers: %d contacts synced from Google, %d of them with a last-contact date from a meeting", synced, met)
	differ := 0
	for _, u := range users {
		g, w := got[u], single[u]
		if g != w {
			if differ++; differ <= 5 {
				t.Errorf("user %s: workers %+v, one process %+v", u, g, w)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d users differ from a single-process run", differ, nUsers)
	}
}
