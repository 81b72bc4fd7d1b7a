package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

// River mode (-river): the same users, accounts, limit and breaker, but
// each user's three pipelines run as River jobs of kith's jobs package
// (jobs.New, Jobs.Register, Jobs.FanOut), worked by one River client in
// this process. The per-user order (contacts, calendar, suggestions) is
// the jobs package's own: a job whose user still has an earlier
// pipeline's job active snoozes for riverOrderSnooze.
const (
	// riverOrderSnooze is jobs.Config.OrderSnooze: short, so a user's
	// next pipeline starts soon after the previous one completes.
	riverOrderSnooze = 250 * time.Millisecond
	// riverOrderWait is jobs.Config.OrderWait: longer than any run, so the
	// order always holds (a discarded earlier job no longer holds it).
	riverOrderWait = 24 * time.Hour
	// riverPressureSnooze is jobs.Config.PressureSnooze: the breaker holds
	// its hard level for at least a second.
	riverPressureSnooze = time.Second
	// riverPoll is River's FetchPollInterval (riverdatabasesql polls).
	riverPoll = 100 * time.Millisecond
	// riverSyncTimeout is jobs.Config.SyncTimeout: the default (15 min)
	// fits a host's syncs, but here every sync is a first full pass, up to
	// 3 x -concurrency at once on a machine that may be shared; a sync
	// that timed out would be retried and fail the checks for what is the
	// machine's pace. riverRescueAfter (River's RescueStuckJobsAfter, its
	// default made explicit) must stay longer, or River would hand a
	// running job to another worker.
	riverSyncTimeout = 45 * time.Minute
	riverRescueAfter = time.Hour
)

// riverWorkers is the River client's MaxWorkers for -concurrency c: the
// three kinds share one queue, so the same c per pipeline in flight as the
// in-process mode has at most.
func riverWorkers(o options) int { return int(numPipelines) * o.concurrency }

// kindPipeline maps a job kind to its pipeline.
var kindPipeline = map[string]pipeline{
	jobs.KindContactsSync: pContacts,
	jobs.KindCalendarSync: pCalendar,
	jobs.KindSuggest:      pSuggest,
}

// riverStats is what River mode adds to the result.
type riverStats struct {
	workers      int
	fanOut       jobs.FanOutResult
	fanOutTime   time.Duration
	completed    [numPipelines]map[uuid.UUID]int // completion events per user
	failedRuns   [numPipelines]int               // job_failed events (retried or discarded)
	cancelled    [numPipelines]int               // job_cancelled events
	snoozed      [numPipelines]int               // job_snoozed events, for memory or for the user's order
	memorySnooze [numPipelines]int               // snoozes for memory pressure
	lostEvents   bool                            // the run ended on the database, not on events
}

// riverRun is River mode's setup, run and checks.
type riverRun struct {
	db     *sqlx.DB
	users  []uuid.UUID
	mine   map[uuid.UUID]bool
	j      *jobs.Jobs
	client *river.Client[*sql.Tx]
	stats  *stats
	rs     *riverStats

	mu        sync.Mutex
	items     [numPipelines]map[uuid.UUID]int // the last run's items per user (syncs' reports)
	retries   [numPipelines]map[uuid.UUID]int // the syncs' retries per user, all runs
	suggested map[uuid.UUID]int               // pending suggestions each user's job wrote
}

// migrateRiver creates or upgrades River's tables with River's migrator
// (in the database's search_path schema, public), beside kith's.
func migrateRiver(ctx context.Context, db *sqlx.DB) error {
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// newRiverRun builds the jobs and a River client working kith's queue
// (not started) over River's tables (migrateRiver).
func newRiverRun(db *sqlx.DB, o options, users []uuid.UUID, breaker memguard.Breaker,
	contactSync *googlesync.Syncer, calSync *calendar.Syncer, gen *suggest.Generator, st *stats, stderr io.Writer,
) (*riverRun, error) {
	rr := &riverRun{db: db, mine: make(map[uuid.UUID]bool, len(users)), stats: st,
		rs: &riverStats{workers: riverWorkers(o)}, suggested: make(map[uuid.UUID]int, len(users))}
	for p := range numPipelines {
		rr.items[p] = map[uuid.UUID]int{}
		rr.retries[p] = map[uuid.UUID]int{}
		rr.rs.completed[p] = map[uuid.UUID]int{}
	}
	// The fan-out walks users in a stable order (a host's keyset query
	// over its users table).
	rr.users = slices.Clone(users)
	slices.SortFunc(rr.users, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, u := range users {
		rr.mine[u] = true
	}

	contacts := func(ctx context.Context, u uuid.UUID) error {
		rep, err := contactSync.Sync(ctx, u)
		rr.ran(pContacts, u, rep.Seen, rep.Retries, err)
		if err != nil {
			return err
		}
		// The stand-in for the user's edits, in the contacts job so
		// that the calendar and suggestion jobs (held by the order)
		// see it.
		return setFrequencies(ctx, db, u)
	}
	cal := func(ctx context.Context, u uuid.UUID) error {
		rep, err := calSync.SyncUser(ctx, u)
		events, retries := 0, rep.List.Retries
		for _, c := range rep.Calendars {
			events += c.Events
			retries += c.Retries
		}
		rr.ran(pCalendar, u, events, retries, err)
		return err
	}
	var err error
	rr.j, err = jobs.New(db, jobs.Config{
		Suggest:        gen,
		ContactsSync:   contacts,
		CalendarSync:   cal,
		Users:          rr.listUsers,
		Breaker:        breaker,
		PressureSnooze: riverPressureSnooze,
		SyncTimeout:    riverSyncTimeout,
		OrderWait:      riverOrderWait,
		OrderSnooze:    riverOrderSnooze,
		Logger:         slog.New(&snoozeCounter{rr: rr}),
	})
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := rr.j.Register(workers); err != nil {
		return nil, err
	}
	rr.client, err = river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
		Queues:               map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: rr.rs.workers}},
		Workers:              workers,
		FetchPollInterval:    riverPoll,
		RescueStuckJobsAfter: riverRescueAfter,
		Logger:               slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, err
	}
	return rr, nil
}

// listUsers is jobs.Config.Users over the run's users, sorted.
func (rr *riverRun) listUsers(_ context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(yield func(uuid.UUID, error) bool) {
		i := sort.Search(len(rr.users), func(i int) bool { return bytes.Compare(rr.users[i][:], after[:]) > 0 })
		for _, u := range rr.users[i:] {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// ran records one sync run of a user (a job attempt), its items and the
// sync's own retries.
func (rr *riverRun) ran(p pipeline, u uuid.UUID, items, retries int, err error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.items[p][u] = items
	rr.retries[p][u] += retries
	if errors.Is(err, memguard.ErrMemoryPressure) {
		rr.memorySnoozed(p) // the job answers it with a snooze
	}
}

// memorySnoozed counts a job of p snoozed for memory pressure. rr.mu is
// held.
func (rr *riverRun) memorySnoozed(p pipeline) {
	rr.rs.memorySnooze[p]++
	if onMemorySnooze != nil {
		onMemorySnooze()
	}
}

// onMemorySnooze, if set, is called when a River job is snoozed for memory
// (tests end their scripted pressure with it).
var onMemorySnooze func()

// snoozeCounter is the jobs' Logger: it counts the jobs snoozed for
// memory before they start (and suggestion runs stopped by it), the one
// outcome the River events do not tell apart from the order's snoozes.
type snoozeCounter struct {
	rr    *riverRun
	attrs []slog.Attr
}

func (h *snoozeCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h *snoozeCounter) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "jobs: memory pressure: snoozed" {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "kind" {
			if p, ok := kindPipeline[a.Value.String()]; ok {
				h.rr.mu.Lock()
				h.rr.memorySnoozed(p)
				h.rr.mu.Unlock()
			}
			return false
		}
		return true
	})
	return nil
}

func (h *snoozeCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *snoozeCounter) WithGroup(string) slog.Handler      { return h }

// run starts the client, fans out every user's three jobs and records
// each job's end until every user's three jobs ended (or, should River
// have dropped an event, until none of them is active any more).
func (rr *riverRun) run(ctx context.Context) error {
	events, cancelSub := rr.client.SubscribeConfig(&river.SubscribeConfig{
		ChanSize: max(10_000, 20*len(rr.users)),
		Kinds: []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed,
			river.EventKindJobCancelled, river.EventKindJobSnoozed},
	})
	defer cancelSub()
	rr.stats.mu.Lock()
	for p := range numPipelines {
		rr.stats.conc[p] = rr.rs.workers
	}
	rr.stats.mu.Unlock()
	if err := rr.client.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		rr.client.Stop(stopCtx) //nolint:errcheck // the run's outcome is decided by then
	}()

	fanned := make(chan error, 1)
	go func() {
		t := time.Now()
		res, err := rr.j.FanOut(ctx, rr.client)
		rr.mu.Lock()
		rr.rs.fanOut, rr.rs.fanOutTime = res, time.Since(t)
		rr.mu.Unlock()
		fanned <- err
	}()

	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	fanOutDone := false
	for !rr.allEnded() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-fanned:
			if err != nil {
				return fmt.Errorf("fan-out: %w", err)
			}
			fanOutDone = true
		case ev := <-events:
			rr.record(ev)
		case <-poll.C:
			if !fanOutDone {
				continue
			}
			active, err := rr.activeJobs(ctx)
			if err != nil {
				return err
			}
			if active == 0 {
				// Take what is still buffered, then stop: the checks
				// compare the events with river_job.
			drain:
				for {
					select {
					case ev := <-events:
						rr.record(ev)
					default:
						break drain
					}
				}
				if !rr.allEnded() {
					rr.rs.lostEvents = true
				}
				return nil
			}
		}
	}
	if !fanOutDone {
		// Every job ended before FanOut returned from its last commit.
		if err := <-fanned; err != nil {
			return fmt.Errorf("fan-out: %w", err)
		}
	}
	return nil
}

// allEnded reports whether every user's three jobs ended (per the events).
func (rr *riverRun) allEnded() bool {
	done := rr.stats.doneCounts()
	for p := range numPipelines {
		if done[p] < len(rr.users) {
			return false
		}
	}
	return true
}

// activeJobs counts the run's users' jobs not yet finalized.
func (rr *riverRun) activeJobs(ctx context.Context) (int, error) {
	var n int
	err := rr.db.GetContext(ctx, &n, `SELECT count(*) FROM river_job
		WHERE kind = ANY($1) AND (args->>'user_id')::uuid = ANY($2)
		AND state NOT IN ('completed', 'cancelled', 'discarded')`, pq.Array(riverKinds()), pq.Array(rr.users))
	if err != nil {
		return 0, fmt.Errorf("river jobs: %w", err)
	}
	return n, nil
}

func riverKinds() []string {
	return []string{jobs.KindContactsSync, jobs.KindCalendarSync, jobs.KindSuggest}
}

// record turns one River event of the run's users into the stats: a
// completed job is the user's finish in that pipeline, its duration
// River's RunDuration (the worker's run: the order and breaker checks and
// the pipeline; for contacts, the frequencies stand-in too); a discarded
// or cancelled job is a failed finish; a failed attempt River retries is
// a retry.
func (rr *riverRun) record(ev *river.Event) {
	if ev == nil || ev.Job == nil {
		return
	}
	p, ok := kindPipeline[ev.Job.Kind]
	if !ok {
		return
	}
	var args struct {
		UserID uuid.UUID `json:"user_id"`
	}
	if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err != nil || !rr.mine[args.UserID] {
		return
	}
	u := args.UserID
	var dur time.Duration
	if ev.JobStats != nil {
		dur = ev.JobStats.RunDuration
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	f := finish{user: u, dur: dur, items: rr.items[p][u]}
	switch ev.Kind {
	case river.EventKindJobSnoozed:
		rr.rs.snoozed[p]++
		return
	case river.EventKindJobCompleted:
		rr.rs.completed[p][u]++
		f.retries = rr.retries[p][u] + ev.Job.Attempt - 1
		if p == pSuggest {
			var out jobs.SuggestOutput
			if err := json.Unmarshal(ev.Job.Output(), &out); err != nil {
				f.err = fmt.Errorf("suggestion job %d output: %w", ev.Job.ID, err)
			} else {
				f.items = int(out.Scanned)
				f.retries = max(out.Attempts-1, 0) + ev.Job.Attempt - 1
				if !out.Superseded {
					rr.suggested[u] = out.Suggested
				}
			}
		}
	case river.EventKindJobFailed:
		rr.rs.failedRuns[p]++
		if ev.Job.State != rivertype.JobStateDiscarded {
			return // River retries it: counted in the completion's retries
		}
		f.err = jobError(ev.Job.Errors)
	case river.EventKindJobCancelled:
		rr.rs.cancelled[p]++
		f.err = jobError(ev.Job.Errors)
	default:
		return
	}
	rr.stats.record(p, f)
}

func jobError(errs []rivertype.AttemptError) error {
	if len(errs) == 0 {
		return errors.New("job ended without an error recorded")
	}
	return errors.New(errs[len(errs)-1].Error)
}

// suggestedCounts returns what each user's suggestion job wrote.
func (rr *riverRun) suggestedCounts() map[uuid.UUID]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return maps.Clone(rr.suggested)
}

// verify checks river_job and the events: every user's three jobs
// completed exactly once, none failed an attempt, was discarded or
// cancelled, and every completion was seen once.
func (rr *riverRun) verify(ctx context.Context) ([]check, error) {
	var checks []check
	add := func(name string, ok bool, detail string, args ...any) {
		checks = append(checks, check{name: name, ok: ok, detail: fmt.Sprintf(detail, args...)})
	}
	type jobRow struct {
		Kind     string `db:"kind"`
		User     string `db:"user_id"`
		State    string `db:"state"`
		Attempt  int    `db:"attempt"`
		Failures int    `db:"failures"`
	}
	var rows []jobRow
	if err := rr.db.SelectContext(ctx, &rows, `SELECT kind, args->>'user_id' AS user_id, state::text AS state,
			attempt, coalesce(cardinality(errors), 0) AS failures
		FROM river_job WHERE kind = ANY($1) AND (args->>'user_id')::uuid = ANY($2)`,
		pq.Array(riverKinds()), pq.Array(rr.users)); err != nil {
		return nil, fmt.Errorf("verify river jobs: %w", err)
	}
	type key struct {
		p pipeline
		u uuid.UUID
	}
	completed := map[key]int{}
	states := map[string]int{}
	failedAttempts, notCompleted := 0, 0
	for _, r := range rows {
		u, err := uuid.Parse(r.User)
		if err != nil {
			return nil, fmt.Errorf("verify river jobs: user %q: %w", r.User, err)
		}
		states[r.State]++
		failedAttempts += r.Failures
		if r.State == "completed" {
			completed[key{kindPipeline[r.Kind], u}]++
		} else {
			notCompleted++
		}
	}
	once, missing, twice := 0, 0, 0
	for p := range numPipelines {
		for _, u := range rr.users {
			switch completed[key{p, u}] {
			case 0:
				missing++
			case 1:
				once++
			default:
				twice++
			}
		}
	}
	var stateList []string
	for s, n := range states {
		stateList = append(stateList, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(stateList)
	add("river_job: every user's 3 jobs completed exactly once", missing == 0 && twice == 0 && notCompleted == 0,
		"%d of %d (kind, user) completed once, %d missing, %d more than once; jobs: %s",
		once, int(numPipelines)*len(rr.users), missing, twice, orText(strings.Join(stateList, ", "), "none"))
	add("river_job: no job failed, discarded or cancelled", failedAttempts == 0 && states["discarded"] == 0 && states["cancelled"] == 0,
		"%d failed attempts, %d discarded, %d cancelled", failedAttempts, states["discarded"], states["cancelled"])

	evOnce, evOff := 0, 0
	for p := range numPipelines {
		for _, u := range rr.users {
			if rr.rs.completed[p][u] == 1 {
				evOnce++
			} else {
				evOff++
			}
		}
	}
	add("one completion event per job", evOff == 0 && !rr.rs.lostEvents, "%d of %d", evOnce, int(numPipelines)*len(rr.users))
	want := int(numPipelines) * len(rr.users)
	add("fan-out inserted every user's 3 jobs", rr.rs.fanOut.Inserted == want && rr.rs.fanOut.Duplicates == 0,
		"%d inserted of %d, %d duplicates, %d users in %d batch(es), %s", rr.rs.fanOut.Inserted, want, rr.rs.fanOut.Duplicates,
		rr.rs.fanOut.Users, rr.rs.fanOut.Batches, dur(rr.rs.fanOutTime))
	return checks, nil
}
