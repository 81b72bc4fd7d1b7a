// Command loadtest runs kith's three per-user pipelines for many users at
// once, in one process, under a memory limit, and checks the database at the
// end.
//
// Each of -users users gets a fake Google account (kith's in-process fake of
// the People and Calendar APIs, reached by the real Google client) with
// -contacts people and -events events in the primary calendar. Every user
// goes through the three pipelines in order, and the pipelines run at the
// same time (different users at different stages):
//
//  1. contacts: googlesync.Syncer.SyncAll (a full pass into an empty
//     database), then a stand-in for the user setting how often to keep in
//     touch with most of their contacts (one UPDATE per user; not timed);
//  2. calendar: calendar.Syncer.SyncAll (each user's calendar list, primary
//     calendar, meetings applied to last-contact dates);
//  3. suggestions: suggest.Generator.GenerateAll.
//
// The process runs under a memory limit: GOMEMLIMIT if set, else -memlimit
// (256 MiB) through debug.SetMemoryLimit. Every pipeline checks one
// memguard.MemoryBreaker (soft at 80%, hard at 90% of the limit); a user
// refused for memory is retried once the breaker is back under its hard
// level, and each pipeline's concurrency is a memguard.Adaptive fed by the
// breaker (halved under pressure, grown back by one after a full batch).
//
// On a terminal it shows live progress bars (github.com/vbauerster/mpb/v8),
// else a plain line every -every. At the end it prints a summary table,
// writes a self-contained HTML report (-html; charts by
// github.com/go-echarts/go-echarts/v2 with ECharts' script inlined: no
// network needed to view it), and checks the database: per user, contacts
// = the account's people with no duplicate resource name, stored events =
// the fake's events in the synced range, pending suggestions = what the run
// returned with no contact twice; no pipeline error; and peak RSS under the
// limit. It exits 1 if any check fails.
//
// With -river the same users, accounts, limit, breaker and checks, but the
// pipelines run as River jobs (github.com/riverqueue/river) of kith's jobs
// package, as a host runs them: River's migrator creates River's tables
// beside kith's, jobs.New configures the three pipelines (the contacts job
// also runs the frequencies stand-in), Jobs.FanOut inserts every user's
// three jobs, and one River client in this process works them with 3 x
// -concurrency workers. The three kinds share kith's queue, so those
// workers may all run jobs of one kind at once (the contacts syncs first:
// the jobs package keeps each user's order, contacts, calendar,
// suggestions); memory pressure snoozes a job instead of shrinking an
// adaptive concurrency; sync jobs get 45 minutes (jobs.Config.SyncTimeout)
// for their first full pass; -batch is not used. Per-user durations are
// River's run duration of each completed job. Extra checks:
// in river_job, every user's three jobs completed exactly once, with no
// failed attempt and none discarded or cancelled; one completion event per
// job; the fan-out inserted every job, none a duplicate.
//
//	go run . -users 200 -contacts 10000          # the full size (tens of minutes on 2 cores)
//	go run . -users 4 -contacts 500 -html /tmp/r.html
//	go run . -users 4 -contacts 500 -river -html /tmp/r.html
//
// The database is a throwaway PostgreSQL (or the server in
// KITH_DATABASE_URL, database -db, created if missing).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// options are the command's flags.
type options struct {
	users       int
	contacts    int
	events      int
	concurrency int
	batch       int
	memLimit    int64 // bytes, used when GOMEMLIMIT is unset
	html        string
	png         string
	db          string
	progress    string // auto, bar, plain
	every       time.Duration
	sample      time.Duration
	seed        int64
	timeout     time.Duration
	river       bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (0: every
// check passed, 1: a check failed or the run failed, 2: bad flags).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	res, err := loadTest(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	if !res.passed() {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.users, "users", 200, "users, each with a fake Google account")
	fs.IntVar(&o.contacts, "contacts", 10_000, "people (contacts) per account")
	fs.IntVar(&o.events, "events", 500, "events per account's primary calendar")
	fs.IntVar(&o.concurrency, "concurrency", 4, "users in flight per pipeline, at most (adaptive under memory pressure)")
	fs.IntVar(&o.batch, "batch", 0, "users per SyncAll/GenerateAll call of a pipeline (0: 4 x -concurrency)")
	limit := fs.String("memlimit", "256MiB", "memory limit set with debug.SetMemoryLimit when GOMEMLIMIT is unset (B, KiB, MiB, GiB)")
	fs.StringVar(&o.html, "html", "loadtest-report.html", "HTML report to write ('' for none)")
	fs.StringVar(&o.png, "png", "", "also render the report in headless chromium to this PNG ('' for none)")
	fs.StringVar(&o.db, "db", "kith_loadtest", "database to create (if missing) and use")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (bars on a terminal), bar or plain")
	fs.DurationVar(&o.every, "every", 10*time.Second, "interval of the plain progress lines")
	fs.DurationVar(&o.sample, "sample", 100*time.Millisecond, "memory sampling interval of the chart")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the fake accounts")
	fs.DurationVar(&o.timeout, "timeout", 0, "stop the run after this long (0: no limit)")
	fs.BoolVar(&o.river, "river", false, "run the pipelines as River jobs (kith's jobs package) worked by 3 x -concurrency River workers in this process")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n, err := parseBytes(*limit)
	if err != nil {
		return o, fmt.Errorf("-memlimit: %w", err)
	}
	o.memLimit = n
	switch {
	case o.users < 1:
		return o, fmt.Errorf("-users %d: must be >= 1", o.users)
	case o.contacts < 0:
		return o, fmt.Errorf("-contacts %d: must be >= 0", o.contacts)
	case o.events < 0:
		return o, fmt.Errorf("-events %d: must be >= 0", o.events)
	case o.concurrency < 1:
		return o, fmt.Errorf("-concurrency %d: must be >= 1", o.concurrency)
	case o.batch < 0:
		return o, fmt.Errorf("-batch %d: must be >= 0", o.batch)
	case o.png != "" && o.html == "":
		return o, fmt.Errorf("-png needs -html")
	case o.progress != "auto" && o.progress != "bar" && o.progress != "plain":
		return o, fmt.Errorf("-progress %q: must be auto, bar or plain", o.progress)
	case o.every <= 0 || o.sample <= 0:
		return o, fmt.Errorf("-every and -sample must be > 0")
	}
	if o.batch == 0 {
		o.batch = 4 * o.concurrency
	}
	return o, nil
}

// parseBytes reads "256MiB", "1GiB", "300000000" (bytes).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive size such as 256MiB", s)
	}
	return n * mult, nil
}
