package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

// smallArgs is the load test at the size make test runs.
func smallArgs(t *testing.T, html string) []string {
	return []string{"-users", "4", "-contacts", "500", "-events", "200", "-concurrency", "2",
		"-progress", "plain", "-every", "1s", "-html", html, "-db", pgtest.UniqueName("kith_loadtest")}
}

// The load test at a small size: every check passes, the summary has a
// row per pipeline and the memory figures, the report is one file that
// needs no network, and headless chromium renders its charts.
func TestLoadTest(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	var out, errOut bytes.Buffer
	code := run(context.Background(), smallArgs(t, html), &out, &errOut)
	t.Logf("output:\n%s%s", out.String(), errOut.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	text := out.String()
	for _, want := range []string{
		"kith load test: 4 users x 500 contacts (200 events each)",
		"contacts = each account's people: 2000 contacts stored, 0 lost, 0 extra",
		"no duplicate google_resource_name: 0 duplicates",
		"pending suggestions = each run's result, none duplicated",
		"peak RSS", "peak Go heap", "breaker ", "report: " + html,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(text, "FAIL") {
		t.Errorf("a check failed")
	}
	for _, p := range pipelineNames {
		if !regexp.MustCompile(`(?m)^\s*` + p + `\s+4\s+0\s+\d`).MatchString(text) {
			t.Errorf("no summary row with 4 users and 0 errors for %s", p)
		}
	}
	if !regexp.MustCompile(`events stored = the fake's events in range: (\d+) stored of (\d+), 0 lost, 0 extra`).MatchString(text) {
		t.Errorf("events check line missing")
	}

	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if regexp.MustCompile(`<(script|link)[^>]+(src|href)=`).MatchString(page) {
		t.Errorf("the report loads an external asset")
	}
	for _, want := range []string{"echarts.init(", `"Go heap"`, `"RSS"`, `"limit"`, "Per-user duration by pipeline", "PASS"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}

	if _, err := chromium(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI installs chromium (.ci/run): %v", err)
		}
		t.Skipf("screenshot not checked: %v", err)
	}
	shot := filepath.Join(dir, "report.png")
	if err := screenshot(context.Background(), html, shot); err != nil {
		t.Fatal(err)
	}
	st, err := readPNGStats(shot)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %dx%d, %.1f%% not white, %d colours, series pixels %v", st.Width, st.Height, 100*st.NonWhite, st.Colors, st.Series)
	if st.Width != screenshotWidth || st.Height != screenshotHeight || st.NonWhite < 0.03 {
		t.Errorf("screenshot looks empty: %+v", st)
	}
	// The tables alone (the charts' script failed) have no pixel of the
	// series' colours; drawn charts have lines and bars of each.
	for _, c := range seriesColors {
		if st.Series[c] < 100 {
			t.Errorf("screenshot has %d pixels of %s: a chart is not drawn", st.Series[c], c)
		}
	}
}

// The checks can fail: a contact lost and a suggestion's contact
// duplicated are found, and the exit code is 1.
func TestChecksFail(t *testing.T) {
	beforeVerify = func(ctx context.Context, db *sqlx.DB, users []uuid.UUID) error {
		_, err := db.ExecContext(ctx, `DELETE FROM kith.contacts WHERE id = (SELECT id FROM kith.contacts
			WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM kith.suggestions s WHERE s.user_id = $1 AND s.contact_id = contacts.id)
			LIMIT 1)`, users[0])
		return err
	}
	t.Cleanup(func() { beforeVerify = nil })
	var out bytes.Buffer
	args := []string{"-users", "1", "-contacts", "50", "-events", "10", "-progress", "plain", "-html", "", "-db", pgtest.UniqueName("kith_loadtest")}
	code := run(context.Background(), args, &out, &out)
	if code != 1 || !strings.Contains(out.String(), "FAIL  contacts = each account's people: 49 contacts stored, 1 lost, 0 extra") {
		t.Errorf("exit code %d, output:\n%s", code, out.String())
	}
}

// Under memory pressure (a scripted breaker reader: hard from its second
// read, for at least the breaker's 1 s hold) users are refused, put back
// and run again: the breaker trips, users are requeued, and every check
// still passes: nothing lost, nothing twice.
func TestUnderPressure(t *testing.T) {
	const limit = 256 << 20
	low, high := memguardtest.Mem(limit/10, limit), memguardtest.Mem(limit*95/100, limit)
	breakerReader = memguardtest.NewReader(low, high, high, high, high, high, low)
	t.Cleanup(func() { breakerReader = nil })
	var out bytes.Buffer
	args := []string{"-users", "3", "-contacts", "300", "-events", "50", "-progress", "plain", "-html", "", "-db", pgtest.UniqueName("kith_loadtest")}
	code := run(context.Background(), args, &out, &out)
	t.Logf("output:\n%s", out.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	m := regexp.MustCompile(`breaker\s+(\d+) trips to hard, \d+ to soft, (\d+) batches stopped, (\d+) users requeued`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatal("no breaker line")
	}
	if m[1] == "0" || m[3] == "0" {
		t.Errorf("trips %s, users requeued %s: want both > 0", m[1], m[3])
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-users", "0"}, {"-memlimit", "lots"}, {"-progress", "fancy"}, {"-png", "x.png", "-html", ""}, {"extra"}} {
		var out bytes.Buffer
		if code := run(context.Background(), args, &out, &out); code != 2 {
			t.Errorf("%q: exit code %d, want 2 (%s)", args, code, out.String())
		}
	}
	if n, err := parseBytes("256MiB"); n != 256<<20 || err != nil {
		t.Errorf("parseBytes 256MiB = %d, %v", n, err)
	}
}

// The load test through River (-river) at the small size: the same checks
// pass, plus River's (every user's three jobs completed exactly once in
// river_job, no failed attempt, one completion event each, the fan-out
// inserted them all), and the summary and the report say River ran.
func TestLoadTestRiver(t *testing.T) {
	html := filepath.Join(t.TempDir(), "report.html")
	var out, errOut bytes.Buffer
	code := run(context.Background(), append(smallArgs(t, html), "-river"), &out, &errOut)
	t.Logf("output:\n%s%s", out.String(), errOut.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	text := out.String()
	for _, want := range []string{
		"kith load test: 4 users x 500 contacts (200 events each), through River: kith's jobs package, 6 River workers in this process",
		"contacts = each account's people: 2000 contacts stored, 0 lost, 0 extra",
		"PASS  river_job: every user's 3 jobs completed exactly once: 12 of 12 (kind, user) completed once, 0 missing, 0 more than once; jobs: 12 completed",
		"PASS  river_job: no job failed, discarded or cancelled: 0 failed attempts, 0 discarded, 0 cancelled",
		"PASS  one completion event per job: 12 of 12",
		"PASS  fan-out inserted every user's 3 jobs: 12 inserted of 12, 0 duplicates",
		"breaker         0 trips to hard, 0 to soft, 0 jobs snoozed for memory",
		"river           fan-out: 12 jobs for 4 users",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(text, "FAIL") {
		t.Errorf("a check failed")
	}
	if !regexp.MustCompile(`(?m)^\s*pipeline\s.*retries\s+snoozed\s*$`).MatchString(text) {
		t.Errorf("no snoozed column in the summary")
	}
	for _, p := range pipelineNames {
		// Users, no error, a rate, and a p50 that is a duration.
		if !regexp.MustCompile(`(?m)^\s*` + p + `\s+4\s+0\s+\d+\.\d+\s+\d+\s+[a-z ]+\s+\d+(\.\d+)?(ms|s)\s`).MatchString(text) {
			t.Errorf("no summary row with 4 users, 0 errors and durations for %s", p)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"through River: kith&#39;s jobs package, 6 River workers", "<th>snoozed</th>", "river_job: every user&#39;s 3 jobs completed exactly once", `"Go heap"`, "Per-user duration by pipeline"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// Through River under memory pressure (the breaker's reader says 95% of
// the limit until a job has been snoozed for memory, then 10%): the jobs
// refused for memory are snoozed and run again, and every check still
// passes: each job completed exactly once.
func TestUnderPressureRiver(t *testing.T) {
	const limit = 256 << 20
	var snoozed atomic.Bool
	onMemorySnooze = func() { snoozed.Store(true) }
	breakerReader = pressureUntil{
		high: memguardtest.Mem(limit*95/100, limit), low: memguardtest.Mem(limit/10, limit), over: snoozed.Load,
	}
	t.Cleanup(func() { breakerReader, onMemorySnooze = nil, nil })
	var out bytes.Buffer
	args := []string{"-users", "3", "-contacts", "300", "-events", "50", "-concurrency", "2", "-progress", "plain", "-html", "", "-river", "-db", pgtest.UniqueName("kith_loadtest")}
	code := run(context.Background(), args, &out, &out)
	t.Logf("output:\n%s", out.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	m := regexp.MustCompile(`breaker\s+(\d+) trips to hard, \d+ to soft, (\d+) jobs snoozed for memory`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatal("no breaker line")
	}
	if m[1] == "0" || m[2] == "0" {
		t.Errorf("trips %s, jobs snoozed for memory %s: want both > 0", m[1], m[2])
	}
	if !strings.Contains(out.String(), "PASS  river_job: every user's 3 jobs completed exactly once: 9 of 9") {
		t.Errorf("not every job completed exactly once")
	}
}

// pressureUntil reads high until over, then low.
type pressureUntil struct {
	high, low memguard.Sample
	over      func() bool
}

func (r pressureUntil) Read() (memguard.Sample, error) {
	if r.over() {
		return r.low, nil
	}
	return r.high, nil
}
