package jobs_test

import (
	"bufio"
	"context"
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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

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
	envHold   = "KITH_JOBS_HOLD" // hold this many suggestion jobs forever (the worker to kill)
)

var processUsers = flag.Int("jobs.users", 200, "users in TestWorkerProcesses (the full run: 1000)")

// rescueAfter is River's RescueStuckJobsAfter in the worker processes:
// seconds, so the test sees a killed worker's jobs rescued. Every job's
// timeout (jobTimeout) is shorter: River's rescuer leaves a job alone
// until its timeout has passed. The rescuer runs every 30 s (not
// configurable), which sets the length of the kill -9 test.
const (
	rescueAfter = 10 * time.Second
	jobTimeout  = 8 * time.Second
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
	db, err := sqlx.Open(os.Getenv(envDriver), os.Getenv(envDSN))
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	hold, _ := strconv.Atoi(os.Getenv(envHold))
	g, err := suggest.New(db, suggest.Config{Now: func() time.Time { return now }, Limit: 5})
	if err != nil {
		return fail(err)
	}
	j, err := jobs.New(db, jobs.Config{
		Suggest:        g,
		Users:          usersTable(db),
		BatchSize:      200,
		SuggestTimeout: jobTimeout,
		FanOutTimeout:  jobTimeout,
		SyncTimeout:    jobTimeout,
		ContactsSync:   standInSync(db, jobs.KindContactsSync),
		CalendarSync:   standInSync(db, jobs.KindCalendarSync),
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
	client, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
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

// standInSync stands in for a Google sync until the syncs and their fake
// servers are part of the test: like a sync it is idempotent (a rescued
// run repeats it harmlessly), and it counts its runs per user in
// public.synced.
func standInSync(db *sqlx.DB, kind string) jobs.SyncFunc {
	return func(ctx context.Context, user uuid.UUID) error {
		_, err := db.ExecContext(ctx, `INSERT INTO public.synced (user_id, kind, runs) VALUES ($1, $2, 1)
			ON CONFLICT (user_id, kind) DO UPDATE SET runs = synced.runs + 1`, user, kind)
		return err
	}
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
func startWorkers(t *testing.T, db *sqlx.DB, n int, hold map[int]int) ([]*workerProc, chan workerEvent) {
	t.Helper()
	events := make(chan workerEvent, 4096)
	dsn, driver := kithtest.DSN(t, db), kithtest.Driver(t)
	var procs []*workerProc
	for i := range n {
		w := &workerProc{id: fmt.Sprintf("worker-%d", i), exit: make(chan error, 1)}
		w.cmd = exec.Command(os.Args[0], "-test.run=^$")
		w.cmd.Env = append(os.Environ(), envWorker+"="+w.id, envDSN+"="+dsn, envDriver+"="+driver,
			envHold+"="+strconv.Itoa(hold[i]))
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
// every user's three jobs (a contacts sync and a calendar sync, played by
// an idempotent stand-in until the Google syncs and their fake servers
// join the test, and suggestions), the three processes work them. Every
// job runs exactly once, no user has duplicate pending suggestions, and each user's
// suggestions equal what a single-process GenerateAll computes. In
// "kill -9" one worker is killed while it holds jobs it started: River's
// rescuer (RescueStuckJobsAfter 10 s) hands them to the others, and nothing
// is lost or duplicated. -jobs.users sets the number of users (200; the
// full run is -jobs.users=1000, see the README).
func TestWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three worker processes; not with -short")
	}
	t.Run("one period", func(t *testing.T) { runPeriod(t, *processUsers, 0) })
	t.Run("kill -9", func(t *testing.T) { runPeriod(t, *processUsers, 5) })
}

func runPeriod(t *testing.T, nUsers, hold int) {
	ctx := context.Background()
	db := kithtest.DB(t)
	migrateRiver(t, db)
	if _, err := db.Exec(`CREATE TABLE public.users (id uuid PRIMARY KEY);
		CREATE TABLE public.synced (user_id uuid, kind text, runs int NOT NULL, PRIMARY KEY (user_id, kind))`); err != nil {
		t.Fatal(err)
	}
	var users []uuid.UUID
	if err := db.Select(&users, `INSERT INTO public.users SELECT gen_random_uuid() FROM generate_series(1, $1) RETURNING id`, nUsers); err != nil {
		t.Fatal(err)
	}
	seedContacts(t, db, users, 10)

	const victim = 2
	procs, events := startWorkers(t, db, 3, map[int]int{victim: hold})
	completedBy := map[int64]string{}
	doneUsers := map[string]bool{} // kind and user
	perUserKinds := []string{jobs.KindContactsSync, jobs.KindCalendarSync, jobs.KindSuggest}
	var held []int64
	fanOuts, killed := 0, false
	deadline := time.NewTimer(3 * time.Minute)
	defer deadline.Stop()
	for len(doneUsers) < len(perUserKinds)*nUsers || fanOuts == 0 {
		var ev workerEvent
		select {
		case ev = <-events:
		case <-deadline.C:
			var states []string
			db.Select(&states, `SELECT kind || ' ' || state || ' ' || count(*) FROM river_job GROUP BY kind, state ORDER BY 1`) //nolint:errcheck // diagnostics
			t.Fatalf("after 3 minutes: %d of %d per-user jobs done, %d fan-outs, held %v, killed %v; jobs: %q", len(doneUsers), len(perUserKinds)*nUsers, fanOuts, held, killed, states)
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
	var synced []struct {
		Kind  string `db:"kind"`
		Users int    `db:"users"`
		Runs  int    `db:"runs"`
	}
	if err := db.Select(&synced, `SELECT kind, count(*) AS users, sum(runs) AS runs FROM public.synced GROUP BY kind ORDER BY kind`); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 2 {
		t.Errorf("syncs ran for %+v, want both kinds", synced)
	}
	extraRuns := 0 // sync runs beyond one per user: only rescued jobs may repeat one
	for _, s := range synced {
		extraRuns += s.Runs - s.Users
		if s.Users != nUsers {
			t.Errorf("%s ran for %d users, want %d", s.Kind, s.Users, nUsers)
		}
		t.Logf("%s: %d runs for %d users", s.Kind, s.Runs, s.Users)
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
	// Exactly once: every job ran one attempt, except those the killed
	// worker had started, which ran a second time elsewhere.
	var retried []struct {
		ID          int64  `db:"id"`
		Attempt     int    `db:"attempt"`
		AttemptedBy string `db:"attempted_by"`
	}
	if err := db.Select(&retried, `SELECT id, attempt, coalesce(array_to_string(attempted_by, ','), '') AS attempted_by
		FROM river_job WHERE attempt <> 1 ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, r := range retried {
		if hold == 0 || r.Attempt != 2 || !slices.Contains(strings.Split(r.AttemptedBy, ","), procs[victim].id) {
			t.Errorf("job %d ran %d attempts (by %v)", r.ID, r.Attempt, r.AttemptedBy)
		}
	}
	if extraRuns > len(retried) {
		t.Errorf("syncs ran %d times more than once per user, with %d jobs rescued", extraRuns, len(retried))
	}
	if hold > 0 && len(retried) < hold {
		t.Errorf("%d jobs ran twice, want at least the %d held", len(retried), hold)
	}
	t.Logf("%d users, %d jobs completed; %d rescued from the killed worker", nUsers, len(completedBy), len(retried))

	// No duplicate pending suggestions.
	var dups int
	if err := db.Get(&dups, `SELECT count(*) FROM (SELECT 1 FROM kith.suggestions WHERE status = 'pending'
		GROUP BY user_id, contact_id HAVING count(*) > 1) d`); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Errorf("%d contacts have more than one pending suggestion", dups)
	}

	// The same as one process: GenerateAll over the same users and clock
	// computes, for every user, the suggestions the workers stored.
	type row struct {
		User, Contact, ID uuid.UUID
		Rank              int
	}
	var stored []row
	rows, err := db.QueryContext(ctx, `SELECT user_id, contact_id, id, rank FROM kith.suggestions WHERE status = 'pending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.User, &r.Contact, &r.ID, &r.Rank); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var single []row
	var mu sync.Mutex
	g := newGenerator(t, db, nil)
	if _, err := g.GenerateAll(ctx, usersTable(db)(ctx, uuid.Nil), suggest.AllOptions{Progress: func(p suggest.Progress) {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range p.Result.Suggestions {
			single = append(single, row{p.UserID, s.ContactID, s.ID, s.Rank})
		}
	}}); err != nil {
		t.Fatal(err)
	}
	cmp := func(a, b row) int {
		if c := strings.Compare(a.User.String(), b.User.String()); c != 0 {
			return c
		}
		return a.Rank - b.Rank
	}
	slices.SortFunc(stored, cmp)
	slices.SortFunc(single, cmp)
	var runs int
	if err := db.Get(&runs, `SELECT count(*) FROM kith.suggestion_runs`); err != nil {
		t.Fatal(err)
	}
	if runs != nUsers || len(stored) < 3*nUsers {
		t.Errorf("%d generation runs stored %d pending suggestions, want one run per user (%d), most with 5", runs, len(stored), nUsers)
	}
	if !slices.Equal(stored, single) {
		n := 0
		for i := range min(len(stored), len(single)) {
			if stored[i] != single[i] && n < 5 {
				t.Errorf("workers stored %+v, one process computes %+v", stored[i], single[i])
				n++
			}
		}
		t.Errorf("stored suggestions (%d) differ from a single-process run (%d)", len(stored), len(single))
	}
}
