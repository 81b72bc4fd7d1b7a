// Command production shows kith wired as a host runs it in production:
// the three per-user pipelines (Google Contacts sync, Google Calendar sync,
// suggestions) as River jobs (package jobs), one memory breaker and one
// monitor shared by all of them, OpenTelemetry metrics of the breaker, the
// monitor and each pipeline exported to Prometheus on a loopback /metrics
// endpoint, and net/http/pprof beside it, where every job's samples carry
// the labels pipeline=<name> and user=<uuid>.
//
// By default it needs no Google account and no database: it starts a
// throwaway PostgreSQL (or uses the server in KITH_DATABASE_URL, database
// kith_production) and a fake Google server (kith's internal test server,
// which speaks the real REST protocol to the real Google client) with
// -users accounts, runs one round of every user's jobs, prints what it did,
// and keeps serving until interrupted (or, with -once, exits):
//
//	go run . -users 50
//	curl -s http://127.0.0.1:9464/metrics | grep '^kith_'
//	go tool pprof -tags http://127.0.0.1:9464/debug/pprof/profile?seconds=10
//
// It is a module of its own (github.com/kithhq/kith/examples/production):
// OpenTelemetry's SDK, its Prometheus exporter and the Prometheus client are
// its dependencies: no package of kith or of the jobs module compiles them
// (`go list -deps`), and the Prometheus ones are not in their module graphs
// either (the SDK is, through gax-go's tests).
//
// Metrics (Prometheus names):
//
//	kith_memguard_op_duration_seconds{op,outcome}   histogram: every sync run (googlesync.sync, calendar.sync,
//	                                                calendar.sync_user) and suggestion run (suggest.generate)
//	kith_memguard_op_process_peak_bytes{op,outcome} histogram: process memory peak during each operation
//	kith_memguard_breaker_level{breaker}            gauge: 0 normal, 1 soft, 2 hard
//	kith_memguard_breaker_transitions_total{breaker,to} counter: level changes (to="hard" is a trip)
//	kith_jobs_duration_seconds{pipeline,outcome}    histogram: every River job of kith's, outcome
//	                                                completed|snoozed|cancelled|failed
//	kith_sync_errors_total{pipeline,class}          counter: sync errors, class revoked|rate_limited|busy|
//	                                                memory|google|timeout|other
//	go_*, process_*                                 the Go runtime and the process (RSS)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardotel"
	"github.com/kithhq/kith/suggest"
)

// options are the command's flags.
type options struct {
	users   int    // users, each with a fake Google account
	revoked int    // of which this many have revoked kith's Google grant
	people  int    // people per account
	events  int    // events per account's primary calendar
	workers int    // River MaxWorkers of kith's queue
	addr    string // loopback address of /metrics and /debug/pprof
	once    bool   // exit after the round
}

// hooks let a test follow a run: ready gets the address served once the
// endpoints listen, roundDone is called when every user's jobs completed.
type hooks struct {
	ready     func(addr string)
	roundDone func()
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 20, "users, each with a fake Google account")
	flag.IntVar(&o.revoked, "revoked", 1, "users whose Google grant is revoked (their sync jobs are cancelled)")
	flag.IntVar(&o.people, "people", 500, "people in each fake account")
	flag.IntVar(&o.events, "events", 300, "events in each fake account's primary calendar")
	flag.IntVar(&o.workers, "workers", 8, "River workers of kith's queue")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:9464", "loopback address of /metrics and /debug/pprof")
	flag.BoolVar(&o.once, "once", false, "exit after the round instead of serving until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout, hooks{}); err != nil {
		log.Fatalf("production: %v", err)
	}
}

// loopback refuses an address whose host is not a loopback address:
// metrics and profiles are not for the network.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: not a loopback address", addr)
	}
	return nil
}

func run(ctx context.Context, o options, out io.Writer, h hooks) error {
	if o.users < 1 || o.people < 0 || o.events < 0 || o.workers < 1 || o.revoked < 0 || o.revoked > o.users {
		return errors.New("-users and -workers must be positive, -people and -events not negative, -revoked at most -users")
	}
	if err := loopback(o.addr); err != nil {
		return err
	}

	// Metrics: an OpenTelemetry MeterProvider whose reader is the
	// Prometheus exporter, on a registry of this program's own (with the
	// Go runtime and process collectors).
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer provider.Shutdown(context.Background()) //nolint:errcheck // exiting
	meter := provider.Meter("github.com/kithhq/kith/examples/production")

	// One breaker and one monitor for every pipeline of the process.
	transitions, err := meter.Int64Counter("kith.memguard.breaker.transitions",
		metric.WithDescription("Level changes of a memguard breaker; to=hard is a trip."))
	if err != nil {
		return err
	}
	breaker, err := memguard.New(memguard.Config{Name: "kith", OnStateChange: func(tr memguard.Transition) {
		transitions.Add(context.Background(), 1, metric.WithAttributes(
			attribute.String("breaker", tr.Name), attribute.String("to", levelName(tr.To))))
	}})
	if err != nil {
		return err
	}
	for _, to := range []memguard.Level{memguard.LevelNormal, memguard.LevelSoft, memguard.LevelHard} {
		// Every series from the start, so that an alert on its rate
		// sees a zero, not an absent series.
		transitions.Add(ctx, 0, metric.WithAttributes(attribute.String("breaker", "kith"), attribute.String("to", levelName(to))))
	}
	breakerGauge, err := memguardotel.RegisterBreaker(meter, "kith", breaker)
	if err != nil {
		return err
	}
	defer breakerGauge.Unregister() //nolint:errcheck // exiting
	recorder, err := memguardotel.NewRecorder(meter)
	if err != nil {
		return err
	}
	monitor := memguard.NewMonitor(memguard.MonitorConfig{Recorder: recorder})
	jobMetrics, err := newJobMetrics(meter)
	if err != nil {
		return err
	}
	syncErrors, err := newSyncErrors(ctx, meter)
	if err != nil {
		return err
	}

	// /metrics and /debug/pprof on loopback.
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer srv.Close()
	addr := ln.Addr().String()
	fmt.Fprintf(out, "metrics: http://%s/metrics\npprof:   http://%s/debug/pprof/\n", addr, addr)
	if h.ready != nil {
		h.ready(addr)
	}

	// The database: kith's migrations, then River's migrator.
	server, err := pgtest.Start(ctx)
	if err != nil {
		return err
	}
	defer server.Close()
	db, err := server.OpenDatabase(ctx, "kith_production")
	if err != nil {
		return err
	}
	defer db.Close()
	// Two connections per running job (a sync holds one for its whole
	// run and may take a second briefly), and room for River's own
	// (fetches, completions, leadership).
	db.SetMaxOpenConns(2*o.workers + 10)
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		return err
	}
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}

	// The fake Google server and the users.
	fake := googlefake.New(googlefake.Config{Seed: 1, MaxRecords: -1})
	defer fake.Close()
	users := make([]uuid.UUID, o.users)
	for i := range users {
		users[i] = uuid.New()
		a := fake.AddAccount(users[i].String(), googlefake.AccountConfig{People: o.people, Events: o.events})
		if i < o.revoked {
			a.Revoke()
		}
	}
	slices.SortFunc(users, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })

	// The pipelines, each with the breaker and the monitor.
	people, err := googlesync.New(db, googlesync.Config{TokenSource: fake.TokenSourceFunc(),
		ClientOptions: fake.PeopleOptions(), Breaker: breaker, Monitor: monitor})
	if err != nil {
		return err
	}
	cal, err := calendar.New(db, calendar.Config{TokenSource: fake.TokenSourceFunc(),
		ClientOptions: fake.CalendarOptions(), Breaker: breaker, Monitor: monitor})
	if err != nil {
		return err
	}
	gen, err := suggest.New(db, suggest.Config{Breaker: breaker, Monitor: monitor})
	if err != nil {
		return err
	}
	j, err := jobs.New(db, jobs.Config{
		Suggest:      gen,
		ContactsSync: syncErrors.count(jobs.PipelineContactsSync, jobs.Sync(people.Sync)),
		CalendarSync: syncErrors.count(jobs.PipelineCalendarSync, jobs.Sync(cal.SyncUser)),
		Users:        sliceUsers(users),
		Breaker:      breaker,
		OrderSnooze:  200 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	if err := j.Register(workers); err != nil {
		return err
	}
	fanOut, err := j.PeriodicJob()
	if err != nil {
		return err
	}
	client, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
		Queues:            map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: o.workers}},
		Workers:           workers,
		PeriodicJobs:      []*river.PeriodicJob{fanOut},
		FetchPollInterval: 100 * time.Millisecond,
		Middleware:        []rivertype.Middleware{jobMetrics},
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	defer cancel()
	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		client.Stop(stopCtx) //nolint:errcheck // exiting
	}()
	fmt.Fprintf(out, "%d users (%d people, %d events each; %d with a revoked grant): one round of contacts sync, calendar sync and suggestions through River\n",
		o.users, o.people, o.events, o.revoked)

	// One round: every user's three jobs end.
	ended := map[string]int{}
	for n := 0; n < 3*o.users; {
		select {
		case ev := <-events:
			if ev.Job.Kind == jobs.KindFanOut {
				continue
			}
			ended[string(ev.Kind)]++
			n++
		case err := <-served:
			return err
		case <-ctx.Done():
			return nil
		}
	}
	fmt.Fprintf(out, "round done in %v: %d jobs completed, %d cancelled, %d failed; breaker level %s\n",
		time.Since(start).Round(time.Millisecond), ended[string(river.EventKindJobCompleted)],
		ended[string(river.EventKindJobCancelled)], ended[string(river.EventKindJobFailed)], levelName(breaker.Level()))
	if h.roundDone != nil {
		h.roundDone()
	}
	if o.once {
		return nil
	}
	fmt.Fprintln(out, "serving until interrupted")
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return err
	}
}

// sliceUsers is Config.Users over a sorted slice (a host runs a keyset
// query over its users table instead).
func sliceUsers(users []uuid.UUID) func(context.Context, uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(_ context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
		return func(yield func(uuid.UUID, error) bool) {
			for _, u := range users {
				if strings.Compare(u.String(), after.String()) > 0 && !yield(u, nil) {
					return
				}
			}
		}
	}
}

func levelName(l memguard.Level) string {
	switch l {
	case memguard.LevelNormal:
		return "normal"
	case memguard.LevelSoft:
		return "soft"
	case memguard.LevelHard:
		return "hard"
	}
	return fmt.Sprint(int(l))
}

// jobMetrics is a River worker middleware recording every kith job's
// duration and outcome per pipeline: kith.jobs.duration{pipeline,outcome}.
type jobMetrics struct {
	river.MiddlewareDefaults
	duration metric.Float64Histogram
}

func newJobMetrics(meter metric.Meter) (*jobMetrics, error) {
	h, err := meter.Float64Histogram("kith.jobs.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of kith's River jobs by pipeline and outcome (completed, snoozed, cancelled, failed)."),
		// Seconds: OpenTelemetry's default boundaries (0, 5, ... 10000) are for milliseconds.
		metric.WithExplicitBucketBoundaries(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 3600))
	if err != nil {
		return nil, err
	}
	return &jobMetrics{duration: h}, nil
}

// syncErrors counts the syncs' errors by pipeline and class:
// kith.sync.errors{pipeline,class}, class revoked (the user must grant
// access again: tell them), rate_limited (the job snoozes its
// Retry-After), busy, memory, google (another Google error), timeout or
// other.
type syncErrors struct{ counter metric.Int64Counter }

var syncErrorClasses = []string{"revoked", "rate_limited", "busy", "memory", "google", "timeout", "other"}

func newSyncErrors(ctx context.Context, meter metric.Meter) (*syncErrors, error) {
	c, err := meter.Int64Counter("kith.sync.errors",
		metric.WithDescription("Google sync runs that ended with an error, by pipeline and class."))
	if err != nil {
		return nil, err
	}
	for _, p := range []string{jobs.PipelineContactsSync, jobs.PipelineCalendarSync} {
		for _, class := range syncErrorClasses {
			c.Add(ctx, 0, metric.WithAttributes(attribute.String("pipeline", p), attribute.String("class", class)))
		}
	}
	return &syncErrors{c}, nil
}

func (s *syncErrors) count(pipeline string, sync jobs.SyncFunc) jobs.SyncFunc {
	return func(ctx context.Context, user uuid.UUID) error {
		err := sync(ctx, user)
		if err != nil {
			s.counter.Add(ctx, 1, metric.WithAttributes(attribute.String("pipeline", pipeline), attribute.String("class", errorClass(err))))
		}
		return err
	}
}

func errorClass(err error) string {
	var rl *googlesync.RateLimitError
	switch {
	case errors.Is(err, googlesync.ErrAccessRevoked):
		return "revoked"
	case errors.As(err, &rl), errors.Is(err, googlesync.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, googlesync.ErrBusy):
		return "busy"
	case errors.Is(err, memguard.ErrMemoryPressure):
		return "memory"
	case errors.Is(err, googlesync.ErrGoogle):
		return "google"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
}

// pipelines names each kind's pipeline as the profile labels do.
var pipelines = map[string]string{
	jobs.KindSuggest:      jobs.PipelineSuggest,
	jobs.KindContactsSync: jobs.PipelineContactsSync,
	jobs.KindCalendarSync: jobs.PipelineCalendarSync,
	jobs.KindFanOut:       jobs.PipelineFanOut,
}

func (m *jobMetrics) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	outcome := "completed"
	switch {
	case errors.As(err, &snooze):
		outcome = "snoozed"
	case errors.As(err, &cancel):
		outcome = "cancelled"
	case err != nil:
		outcome = "failed"
	}
	pipeline, ok := pipelines[job.Kind]
	if !ok {
		pipeline = "other"
	}
	m.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(
		attribute.String("pipeline", pipeline), attribute.String("outcome", outcome)))
	return err
}
