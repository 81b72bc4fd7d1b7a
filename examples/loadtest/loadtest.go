package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

// calendarRange is the span of each fake calendar's generated events; it
// lies within calendar.DefaultLookback, so a full pass reads all of them.
const calendarRange = 300 * 24 * time.Hour

// transition is a breaker level change, for the report.
type transition struct {
	At       time.Duration
	From, To memguard.Level
	InUse    uint64
}

// result is what a load test measured and checked.
type result struct {
	opts        options
	limit       uint64
	limitSource string
	wall        time.Duration
	race        bool

	stats       *stats
	samples     []memSample
	peak        memSample // sampled maxima
	peakHeap    uint64    // heappeak (1 ms sampling)
	peakRSS     uint64    // VmHWM
	transitions []transition
	checks      []check
	river       *riverStats // -river only
}

type check struct {
	name   string
	ok     bool
	detail string
}

func (r *result) passed() bool {
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return len(r.checks) > 0
}

func (r *result) hardTrips() int {
	n := 0
	for _, t := range r.transitions {
		if t.To == memguard.LevelHard {
			n++
		}
	}
	return n
}

func (r *result) softEntries() int {
	n := 0
	for _, t := range r.transitions {
		if t.To == memguard.LevelSoft && t.From == memguard.LevelNormal {
			n++
		}
	}
	return n
}

// loadTest runs the whole test: setup, pipelines, checks, table, report.
func loadTest(ctx context.Context, o options, stdout, stderr io.Writer) (*result, error) {
	r := &result{opts: o, stats: &stats{}, race: raceEnabled}

	// The memory limit: GOMEMLIMIT wins, else -memlimit.
	prev := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(o.memLimit)
		defer debug.SetMemoryLimit(prev)
		r.limit, r.limitSource = uint64(o.memLimit), "-memlimit"
	} else {
		r.limit, r.limitSource = uint64(prev), "GOMEMLIMIT"
	}

	server, err := pgtest.Start(ctx)
	if err != nil {
		return nil, err
	}
	defer server.Close()
	conns := 3*o.concurrency + 8
	if o.river {
		// A running job holds a connection for its run and may take a
		// second briefly; River needs its own (fetches, completions).
		conns = max(conns, 2*riverWorkers(o)+10)
	}
	db, err := openDB(ctx, server, o.db, conns)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if o.river {
		if err := migrateRiver(ctx, db); err != nil {
			return nil, err
		}
	}

	fake := googlefake.New(googlefake.Config{Seed: o.seed, MaxRecords: -1})
	defer fake.Close()
	users := make([]uuid.UUID, o.users)
	accounts := make(map[uuid.UUID]*googlefake.Account, o.users)
	for i := range users {
		users[i] = uuid.New()
		accounts[users[i]] = fake.AddAccount(users[i].String(), googlefake.AccountConfig{
			People: o.contacts, Events: o.events, CalendarRange: calendarRange,
		})
	}

	start := time.Now()
	var trMu sync.Mutex
	breaker, err := memguard.New(memguard.Config{
		Name:   "loadtest",
		Reader: breakerReader,
		OnStateChange: func(t memguard.Transition) {
			trMu.Lock()
			r.transitions = append(r.transitions, transition{At: time.Since(start), From: t.From, To: t.To, InUse: t.InUse})
			trMu.Unlock()
		},
	})
	if err != nil {
		return nil, err
	}
	contactSync, err := googlesync.New(db, googlesync.Config{
		TokenSource: fake.TokenSourceFunc(), ClientOptions: fake.PeopleOptions(), Breaker: breaker,
	})
	if err != nil {
		return nil, err
	}
	calSync, err := calendar.New(db, calendar.Config{
		TokenSource: fake.TokenSourceFunc(), ClientOptions: fake.CalendarOptions(), Breaker: breaker,
	})
	if err != nil {
		return nil, err
	}
	gen, err := suggest.New(db, suggest.Config{Breaker: breaker})
	if err != nil {
		return nil, err
	}

	var rr *riverRun
	if o.river {
		if rr, err = newRiverRun(db, o, users, breaker, contactSync, calSync, gen, r.stats, stderr); err != nil {
			return nil, err
		}
		r.river = rr.rs
	}

	var sugMu sync.Mutex
	suggested := make(map[uuid.UUID]int, o.users) // pending suggestions each user's last run wrote

	all := [numPipelines]allFunc{
		pContacts: func(ctx context.Context, us iter.Seq2[uuid.UUID, error], conc int, done func(finish)) error {
			_, err := contactSync.SyncAll(ctx, us, googlesync.AllOptions{Concurrency: conc, Progress: func(p googlesync.Progress) {
				done(finish{user: p.UserID, dur: p.Report.Duration, items: p.Report.Seen, retries: p.Report.Retries, err: p.Err})
			}})
			return err
		},
		pCalendar: func(ctx context.Context, us iter.Seq2[uuid.UUID, error], conc int, done func(finish)) error {
			_, err := calSync.SyncAll(ctx, us, calendar.AllOptions{Concurrency: conc, Progress: func(p calendar.Progress) {
				f := finish{user: p.UserID, dur: p.Report.Duration, retries: p.Report.List.Retries, err: p.Err}
				for _, c := range p.Report.Calendars {
					f.items += c.Events
					f.retries += c.Retries
				}
				done(f)
			}})
			return err
		},
		pSuggest: func(ctx context.Context, us iter.Seq2[uuid.UUID, error], conc int, done func(finish)) error {
			_, err := gen.GenerateAll(ctx, us, suggest.AllOptions{Concurrency: conc, Progress: func(p suggest.Progress) {
				if p.Err == nil && !p.Result.Superseded {
					sugMu.Lock()
					suggested[p.UserID] = len(p.Result.Suggestions)
					sugMu.Unlock()
				}
				retries := 0
				if p.Result.Attempts > 1 {
					retries = p.Result.Attempts - 1
				}
				done(finish{user: p.UserID, dur: p.Result.Duration, items: int(p.Result.Scanned), retries: retries, err: p.Err})
			}})
			return err
		},
	}

	queues := [numPipelines + 1]chan uuid.UUID{}
	for i := range queues {
		queues[i] = make(chan uuid.UUID, o.users)
	}
	for _, u := range users {
		queues[0] <- u
	}
	close(queues[0])

	smp := startSampler(start, o.sample, breaker, r.stats.doneCounts)
	hp := heappeak.Start()
	disp := startDisplay(o, stdout, smp, r.stats, r.limit)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, numPipelines)
	if rr != nil {
		// River mode: the jobs run the pipelines.
		if err := rr.run(runCtx); err != nil {
			errs[0] = fmt.Errorf("river: %w", err)
		}
		suggested = rr.suggestedCounts()
	} else {
		for p := range numPipelines {
			sizer, err := memguard.NewAdaptive(breaker, memguard.AdaptiveConfig{Min: 1, Max: o.concurrency, Increase: 1})
			if err != nil {
				return nil, err
			}
			st := &stage{
				p: p, in: queues[p], all: all[p], batch: o.batch, sizer: sizer, breaker: breaker, stats: r.stats,
				next: func(u uuid.UUID) { queues[p+1] <- u },
			}
			if p == pContacts {
				st.onDone = func(ctx context.Context, u uuid.UUID) error { return setFrequencies(ctx, db, u) }
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(queues[p+1])
				if err := st.run(runCtx); err != nil {
					errs[p] = fmt.Errorf("%s pipeline: %w", p, err)
					cancel()
				}
			}()
		}
	}
	wg.Wait()
	r.wall = time.Since(start)
	disp.stop()
	r.peakHeap = hp.Stop()
	r.samples, r.peak = smp.Stop()
	r.peakRSS = max(peakRSS(), r.peak.RSS)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if beforeVerify != nil {
		if err := beforeVerify(ctx, db, users); err != nil {
			return nil, err
		}
	}
	r.checks, err = verify(ctx, db, o, users, accounts, suggested, r)
	if err != nil {
		return nil, err
	}
	if rr != nil {
		checks, err := rr.verify(ctx)
		if err != nil {
			return nil, err
		}
		r.checks = append(r.checks, checks...)
	}
	printSummary(stdout, r)
	if o.html != "" {
		if err := writeHTML(o.html, r); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "\nreport: %s\n", o.html)
	}
	if o.png != "" {
		if err := screenshot(ctx, o.html, o.png); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "screenshot: %s\n", o.png)
	}
	return r, nil
}

// breakerReader, if set, is the breaker's memory reader instead of the
// process's (tests script pressure with it).
var breakerReader memguard.Reader

// beforeVerify, if set, runs between the pipelines and the checks (tests
// use it to damage the data and see the checks fail).
var beforeVerify func(ctx context.Context, db *sqlx.DB, users []uuid.UUID) error

// openDB creates the database unless it exists, opens and migrates it.
func openDB(ctx context.Context, server *pgtest.Server, name string, conns int) (*sqlx.DB, error) {
	db, err := server.OpenDatabase(ctx, name)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// setFrequencies stands in for the user choosing how often to keep in
// touch with four in five of their contacts (a frequency per contact,
// picked from its ID), so that suggestions have due contacts to rank.
func setFrequencies(ctx context.Context, db *sqlx.DB, user uuid.UUID) error {
	_, err := db.ExecContext(ctx, `UPDATE kith.contacts
		SET frequency = (ARRAY['weekly','biweekly','monthly','quarterly','biannual','annual'])[1 + get_byte(uuid_send(id), 15) % 6]
		WHERE user_id = $1 AND frequency = '' AND get_byte(uuid_send(id), 14) % 5 <> 0`, user)
	if err != nil {
		return fmt.Errorf("set frequencies: %w", err)
	}
	return nil
}
