package googlesync_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/google/uuid"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/kithtest"
)

// BenchmarkSync measures, per account size, in one run:
//
//   - full: a full pass of the fake's people, in pages of 1,000, into an
//     empty database (people/s, peak Go heap, and the share of the time
//     spent fetching pages vs writing them);
//   - incr: an incremental pass after 1% of the people changed;
//   - naive: what the projects kith replaces do: collect every page, then
//     one INSERT per person (Store.Create, in one transaction), into
//     another empty database;
//
// and the full pass's speed-up over the naive one. The fake server runs
// in this process: its work (generating and encoding pages) is in the
// figures and in the Go heap. 100,000 people only with KITH_BENCH_LARGE=1:
//
//	KITH_BENCH_LARGE=1 go test -run '^$' -bench 'Sync$' -benchtime 1x -count 3 ./contacts/googlesync/
//
// CPU time, which the machine's other load does not inflate, is reported
// beside the wall time: the Go process's (the fake server included) and
// the PostgreSQL server's, per page of the full pass and per person of
// both. KITH_BENCH_SYNC_CPUPROFILE=path writes a Go CPU profile of each
// full pass alone to path.<people>.
func BenchmarkSync(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			for b.Loop() {
				benchSync(b, n)
			}
		})
	}
}

func benchSync(b *testing.B, n int) {
	ctx := context.Background()
	b.StopTimer()
	times := &pageTimes{}
	e := newEnv(b, envOptions{people: n, seed: 99, cfg: func(c *googlesync.Config) {
		c.Logger = slog.New(times)
	}})
	b.StartTimer()

	peak := heappeak.Start()
	pg0, pgOK := serverCPU(ctx, e.db)
	if path := os.Getenv("KITH_BENCH_SYNC_CPUPROFILE"); path != "" {
		// The full pass alone (the naive sync's work stays out).
		f, err := os.Create(fmt.Sprintf("%s.%d", path, n))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	goCPU0 := processCPU()
	t0 := time.Now()
	rep, err := e.syncer.Sync(ctx, e.user)
	full := time.Since(t0)
	goCPU := processCPU() - goCPU0
	pprof.StopCPUProfile()
	pg1, _ := serverCPU(ctx, e.db)
	fullPeak := peak.Stop()
	if err != nil || rep.Inserted != n {
		b.Fatalf("full: %v %+v", err, rep)
	}
	fetch, wait, write := times.take()
	pages := float64(rep.Pages)

	changed := n / 100
	for i := range changed {
		e.acct.Change(i*97%n, nil)
	}
	peak = heappeak.Start()
	t0 = time.Now()
	rep, err = e.syncer.Sync(ctx, e.user)
	incr := time.Since(t0)
	incrPeak := peak.Stop()
	if err != nil || rep.Updated != changed {
		b.Fatalf("incremental: %v %+v", err, rep)
	}

	// Naive: another account of the same people, another empty database.
	naiveDB := kithtest.DB(b)
	acct := e.srv.AddAccount(uuid.NewString(), googlefake.AccountConfig{People: n, Groups: 3, Seed: 99})
	svc, err := people.NewService(ctx, append(e.srv.PeopleOptions(), optionToken(acct))...)
	if err != nil {
		b.Fatal(err)
	}
	user := uuid.New()
	peak = heappeak.Start()
	npg0, _ := serverCPU(ctx, naiveDB)
	t0 = time.Now()
	var all []*people.Person
	err = svc.People.Connections.List("people/me").PersonFields(googlesync.PersonFields).PageSize(1000).
		Pages(ctx, func(r *people.ListConnectionsResponse) error {
			all = append(all, r.Connections...)
			return nil
		})
	if err != nil {
		b.Fatal(err)
	}
	tx, err := naiveDB.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	store, err := contacts.NewStore(tx, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range all {
		if _, err := store.Create(ctx, user, googlesync.MapPerson(p)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	naive := time.Since(t0)
	npg1, _ := serverCPU(ctx, naiveDB)
	naivePeak := peak.Stop()

	b.ReportMetric(float64(n)/full.Seconds(), "full-people/s")
	b.ReportMetric(full.Seconds(), "full-s")
	b.ReportMetric(heappeak.MiB(fullPeak), "full-peak-MiB")
	b.ReportMetric(fetch.Seconds()/full.Seconds()*100, "full-fetch-%")
	b.ReportMetric(wait.Seconds()/full.Seconds()*100, "full-wait-%")
	b.ReportMetric(write.Seconds()/full.Seconds()*100, "full-write-%")
	b.ReportMetric(goCPU.Seconds()/pages*1000, "full-go-cpu-ms/page")
	if pgOK {
		b.ReportMetric((pg1-pg0).Seconds()/pages*1000, "full-pg-cpu-ms/page")
		b.ReportMetric((npg1-npg0).Seconds()/float64(n)*1e6, "naive-pg-cpu-us/person")
		b.ReportMetric((pg1-pg0).Seconds()/float64(n)*1e6, "full-pg-cpu-us/person")
	}
	b.ReportMetric(float64(changed)/incr.Seconds(), "incr-people/s")
	b.ReportMetric(incr.Seconds()*1000, "incr-ms")
	b.ReportMetric(heappeak.MiB(incrPeak), "incr-peak-MiB")
	b.ReportMetric(float64(n)/naive.Seconds(), "naive-people/s")
	b.ReportMetric(heappeak.MiB(naivePeak), "naive-peak-MiB")
	b.ReportMetric(naive.Seconds()/full.Seconds(), "x-naive")
}

// pageTimes sums the fetch, wait and write durations of the sync's page
// logs: fetch is the fetching goroutine's time per page (call, decoding,
// mapping), wait the writing loop's wait for the next page, write its
// transaction.
type pageTimes struct {
	mu                 sync.Mutex
	fetch, wait, write time.Duration
}

func (h *pageTimes) Enabled(context.Context, slog.Level) bool { return true }
func (h *pageTimes) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *pageTimes) WithGroup(string) slog.Handler            { return h }
func (h *pageTimes) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "googlesync: page" {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "fetch":
			h.fetch += a.Value.Duration()
		case "wait":
			h.wait += a.Value.Duration()
		case "write":
			h.write += a.Value.Duration()
		}
		return true
	})
	return nil
}

func (h *pageTimes) take() (fetch, wait, write time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fetch, wait, write, h.fetch, h.wait, h.write = h.fetch, h.wait, h.write, 0, 0, 0
	return fetch, wait, write
}

// BenchmarkFullPass is the full pass alone (10,000 people, pages of
// 1,000), for profiles:
//
//	go test -run '^$' -bench FullPass -benchtime 3x -cpuprofile cpu.out ./contacts/googlesync/
func BenchmarkFullPass(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, envOptions{people: 10_000, seed: 99})
		b.StartTimer()
		if rep, err := e.syncer.Sync(ctx, e.user); err != nil || rep.Inserted != 10_000 {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "people/s")
}

// serverCPU reads the CPU time used so far by the PostgreSQL server of db
// (the postmaster, its live children and the children it reaped), when
// it runs on this machine (kithtest's throwaway cluster); ok is false
// otherwise. Other processes' load does not inflate it, unlike wall time.
func serverCPU(ctx context.Context, db *sqlx.DB) (cpu time.Duration, ok bool) {
	var dir string
	if err := db.QueryRowContext(ctx, `SELECT setting FROM pg_settings WHERE name = 'data_directory'`).Scan(&dir); err != nil {
		return 0, false
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	master, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidFile), "\n", 2)[0]))
	if err != nil {
		return 0, false
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		i := bytes.LastIndexByte(raw, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(raw[i+1:]))
		if len(f) < 15 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, _ := strconv.Atoi(f[1])
		num := func(k int) int64 { v, _ := strconv.ParseInt(f[k], 10, 64); return v }
		switch {
		case pid == master: // utime, stime, cutime, cstime
			ticks += num(11) + num(12) + num(13) + num(14)
		case ppid == master:
			ticks += num(11) + num(12)
		}
	}
	return time.Duration(ticks) * time.Second / 100, true // USER_HZ is 100 on Linux
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
