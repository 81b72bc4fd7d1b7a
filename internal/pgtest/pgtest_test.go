package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

func TestMain(m *testing.M) { Main(m) }

// marker is the template the tests clone: one table with one row.
var marker = NewTemplate("kith_tpl", "postgres", func(ctx context.Context, db *sqlx.DB) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE marker (id int PRIMARY KEY); INSERT INTO marker VALUES (1)`)
	return err
})

// markerServer returns the shared server and the marker template's name.
func markerServer(tb testing.TB) (*Server, string) {
	tb.Helper()
	s, err := marker.build()
	if err != nil {
		tb.Fatal(err)
	}
	return s, marker.name
}

func TestNewDBClonesTemplate(t *testing.T) {
	t.Parallel()
	db, _ := marker.NewDB(t)
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM marker`); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("marker rows = %d, want 1", n)
	}
}

func TestNewDBIsolated(t *testing.T) {
	t.Parallel()
	a, dsnA := marker.NewDB(t)
	b, dsnB := marker.NewDB(t)
	if dsnA == dsnB {
		t.Fatalf("same DSN twice: %s", dsnA)
	}
	if _, err := a.Exec(`CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(`DELETE FROM marker`); err != nil {
		t.Fatal(err)
	}
	var reg *string
	if err := b.Get(&reg, `SELECT to_regclass('only_in_a')::text`); err != nil {
		t.Fatal(err)
	}
	if reg != nil {
		t.Errorf("table created in a is visible in b")
	}
	var n int
	if err := a.Get(&n, `SELECT count(*) FROM marker`); err != nil || n != 1 {
		t.Errorf("marker rows in a = %d, %v; want 1 (delete in b leaked)", n, err)
	}
}

func TestNewDBParallel(t *testing.T) {
	t.Parallel()
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db, _ := marker.NewDB(t)
			if _, err := db.Exec(`INSERT INTO marker VALUES ($1)`, i+2); err != nil {
				t.Fatal(err)
			}
			var ids []int
			if err := db.Select(&ids, `SELECT id FROM marker ORDER BY id`); err != nil {
				t.Fatal(err)
			}
			if want := []int{1, i + 2}; !slices.Equal(ids, want) {
				t.Errorf("ids = %v, want %v", ids, want)
			}
		})
	}
}

func TestCloneFromGoroutines(t *testing.T) {
	t.Parallel()
	s, tpl := markerServer(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			db, _, cleanup, err := s.cloneDB(UniqueName("kith_g"), tpl, "postgres")
			if err != nil {
				errs[i] = err
				return
			}
			_, err = db.Exec(`SELECT 1 FROM marker`)
			errs[i] = errors.Join(err, cleanup())
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// TestStartClose starts a second throwaway server (as root the binaries run
// as an unprivileged account) and checks Close stops and removes it.
func TestStartClose(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	began := time.Now()
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %v", time.Since(began))
	defer s.Close()
	if len(filepath.Join(s.dir, ".s.PGSQL.5432")) >= 107 {
		t.Errorf("socket path too long: %s", s.dir)
	}
	if err := s.CreateDatabase(ctx, "x", ""); err != nil {
		t.Fatal(err)
	}
	db, err := sqlx.Connect("postgres", s.DSN("x"))
	if err != nil {
		t.Fatal(err)
	}
	var user string
	if err := db.Get(&user, `SELECT current_user`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if user != "postgres" {
		t.Errorf("current_user = %q, want postgres", user)
	}
	if err := s.DropDatabase(ctx, "x"); err != nil {
		t.Fatal(err)
	}

	pid := s.cmd.Process.Pid
	if os.Geteuid() == 0 {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(st)) {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] == "0" {
				t.Errorf("postmaster runs as root")
			}
		}
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d still exists after Close (kill 0: %v)", pid, err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Close (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s not removed: %v", s.dir, err)
	}
}

// TestStartURL points Start at the TestMain server through KITH_DATABASE_URL,
// in both connection string forms.
func TestStartURL(t *testing.T) {
	t.Parallel()
	main, tpl := markerServer(t)
	for _, u := range []string{
		main.DSN("postgres"),
		"postgres://postgres@/postgres?sslmode=disable&host=" + main.dir,
	} {
		getenv := func(k string) string {
			if k == EnvURL {
				return u
			}
			return ""
		}
		noBin := func() (string, error) { t.Fatal("finder called although the URL is set"); return "", nil }
		s, err := start(t.Context(), getenv, noBin)
		if err != nil {
			t.Fatal(err)
		}
		name := UniqueName("kith_url")
		if err := s.CreateDatabase(t.Context(), name, tpl); err != nil {
			t.Fatal(err)
		}
		db, err := sqlx.Connect("postgres", s.DSN(name))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.Get(&got, `SELECT current_database()`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != name {
			t.Errorf("DSN(%q) from %q connected to %q", name, u, got)
		}
		if err := s.DropDatabase(t.Context(), name); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// Close of a URL server must not stop the server.
		if err := main.admin.Ping(); err != nil {
			t.Fatalf("shared server gone after closing URL server: %v", err)
		}
	}
}

func TestNoBinaries(t *testing.T) {
	empty := t.TempDir()
	_, err := findBinDir(empty, []string{filepath.Join(empty, "*", "bin")})
	if !errors.Is(err, ErrNoPostgres) {
		t.Fatalf("err = %v, want ErrNoPostgres", err)
	}
	for _, want := range []string{"pgtest:", "apt-get install postgresql", "KITH_DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	_, err = start(t.Context(), func(string) string { return "" }, func() (string, error) {
		return findBinDir("", nil)
	})
	if !errors.Is(err, ErrNoPostgres) {
		t.Fatalf("start err = %v, want ErrNoPostgres", err)
	}
}

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	mk := func(dir string, names ...string) string {
		d := filepath.Join(root, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(d, n), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	mk("pg/9.6/bin", "initdb", "postgres")
	mk("pg/13/bin", "initdb", "postgres")
	want := mk("pg/15/bin", "initdb", "postgres")
	mk("pg/16/bin", "initdb") // incomplete
	glob := []string{filepath.Join(root, "pg", "*", "bin")}

	if got, err := findBinDir("", glob); err != nil || got != want {
		t.Errorf("findBinDir = %q, %v; want %q", got, err, want)
	}
	onPath := mk("path", "initdb", "postgres")
	path := mk("other", "psql") + string(filepath.ListSeparator) + onPath
	if got, err := findBinDir(path, glob); err != nil || got != onPath {
		t.Errorf("findBinDir with PATH = %q, %v; want %q", got, err, onPath)
	}
}

func TestRemoveStale(t *testing.T) {
	base := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	mk := func(name string, pid int, mtime time.Time) string {
		dir := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if pid != 0 {
			if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), fmt.Appendf(nil, "%d\n/x\n", pid), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	deadDir := mk("kithpg-dead", dead.Process.Pid, old)
	noPid := mk("kithpg-nopid", 0, old)
	live := mk("kithpg-live", os.Getpid(), old)
	young := mk("kithpg-young", 0, time.Now())
	other := mk("other-dead", dead.Process.Pid, old)
	// KITH_PGDATA: the data lives elsewhere, the directory holds the socket
	// and its lock file, which names the postmaster.
	sockLock := func(name string, pid int) string {
		dir := mk(name, 0, old)
		if err := os.WriteFile(filepath.Join(dir, ".s.PGSQL.5432.lock"), fmt.Appendf(nil, "%d\n/x\n", pid), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, old, old); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	keptLive := sockLock("kithpg-kept-live", os.Getpid())
	keptDead := sockLock("kithpg-kept-dead", dead.Process.Pid)
	removeStale(base)
	for dir, wantGone := range map[string]bool{deadDir: true, noPid: true, live: false, young: false, other: false, keptLive: false, keptDead: true} {
		_, err := os.Stat(dir)
		if gone := errors.Is(err, os.ErrNotExist); gone != wantGone {
			t.Errorf("%s: removed = %v, want %v", filepath.Base(dir), gone, wantGone)
		}
	}
}

func TestReplaceDBName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:p@h:5433/old?sslmode=disable", "postgres://u:p@h:5433/new?sslmode=disable"},
		{"postgresql://h/old", "postgresql://h/new"},
		{"host=h dbname=old sslmode=disable", "host=h dbname=old sslmode=disable dbname=new"},
		{"host=h", "host=h dbname=new"},
	} {
		if got := replaceDBName(tc.in, "new"); got != tc.want {
			t.Errorf("replaceDBName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := quoteDSNValue(`a b'c`); got != `'a b\'c'` {
		t.Errorf("quoteDSNValue = %s", got)
	}
}

// BenchmarkNewDB measures per-test isolation: clone the template, connect
// (one round trip), close the pool and drop the database.
func BenchmarkNewDB(b *testing.B) {
	s, tpl := markerServer(b)
	var durs []time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		_, _, cleanup, err := s.cloneDB(fmt.Sprintf("%s_b%d", tpl, i), tpl, "postgres")
		if err != nil {
			b.Fatal(err)
		}
		if err := cleanup(); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "median-ms/op")
}

// openDir returns a new directory that the account PostgreSQL runs as (when
// the tests run as root) may enter, removed when t ends.
func openDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kithfake-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakeBin writes shell scripts named initdb and postgres into a new
// directory and returns it.
func fakeBin(t *testing.T, initdb, postgres string) string {
	t.Helper()
	dir := openDir(t)
	for name, body := range map[string]string{"initdb": initdb, "postgres": postgres} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assertEmpty fails t unless dir holds nothing: a failed start must leave
// nothing behind.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in %s: %s", dir, e.Name())
	}
}

// initdbMakesData is a fake initdb that creates the data directory as the
// real one would, enough for the server start to be attempted.
const initdbMakesData = `while [ $# -gt 0 ]; do if [ "$1" = -D ]; then mkdir -p "$2" && echo 15 > "$2/PG_VERSION"; fi; shift; done`

func TestStartInitdbFails(t *testing.T) {
	t.Parallel()
	bin := fakeBin(t,
		`echo "initdb: starting"; echo "initdb: error: could not create directory: No space left on device (fake)" >&2; exit 1`,
		`echo "postgres must not run" >&2; exit 1`)
	base := openDir(t)
	s, err := startIn(t.Context(), base, bin, "")
	if err == nil {
		s.Close()
		t.Fatal("start succeeded with a failing initdb")
	}
	for _, want := range []string{"pgtest: initdb failed", "exit status 1", "No space left on device (fake)", "initdb: starting"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	assertEmpty(t, base)
}

func TestStartPostgresExits(t *testing.T) {
	t.Parallel()
	bin := fakeBin(t, initdbMakesData,
		`echo 'FATAL:  could not create shared memory segment: Cannot allocate memory (fake)' >&2; exit 1`)
	base := openDir(t)
	s, err := startIn(t.Context(), base, bin, "")
	if err == nil {
		s.Close()
		t.Fatal("start succeeded with a postgres that exits")
	}
	for _, want := range []string{"postgres exited during startup", "FATAL:  could not create shared memory segment: Cannot allocate memory (fake)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	assertEmpty(t, base)
}

// TestStartNotReady: a postgres that never accepts connections is given up
// on when ctx ends, stopped, and its directory removed.
func TestStartNotReady(t *testing.T) {
	t.Parallel()
	bin := fakeBin(t, `echo "initdb must not run: the data directory exists" >&2; exit 1`, `exec sleep 600`)
	base, data := openDir(t), openDir(t)
	if err := os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte("15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the first ping fails, then the canceled ctx ends the wait
	s, err := startIn(ctx, base, bin, data)
	if err == nil {
		s.Close()
		t.Fatal("start succeeded with a postgres that never listens")
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "postgres not ready") {
		t.Errorf("err = %v; want context.Canceled from waiting for the server", err)
	}
	// startIn returned, so the fake server was stopped and reaped.
	assertEmpty(t, base)
}

// TestStartDataDirInUse starts a real server on a kept data directory and
// then a second one on the same directory: the second fails with the
// server's own reason, leaves no directory and does not disturb the first.
func TestStartDataDirInUse(t *testing.T) {
	t.Parallel()
	bin, err := findBinDir(os.Getenv("PATH"), defaultBinGlobs)
	if err != nil {
		t.Fatal(err)
	}
	base, data := openDir(t), filepath.Join(openDir(t), "data")
	first, err := startIn(t.Context(), base, bin, data)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := startIn(t.Context(), base, bin, data)
	if err == nil {
		second.Close()
		t.Fatal("second server on one data directory started")
	}
	if !strings.Contains(err.Error(), `lock file "postmaster.pid" already exists`) {
		t.Errorf("error does not carry the server's reason:\n%v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(base, "kithpg-*")); len(left) != 1 || left[0] != first.dir {
		t.Errorf("directories in base = %v, want only the first server's %s", left, first.dir)
	}
	if err := first.admin.Ping(); err != nil {
		t.Errorf("first server disturbed: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, base)
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		t.Errorf("kept data directory lost: %v", err)
	}
}

func TestLogTail(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	got := logTail(b.String())
	if !strings.HasSuffix(got, "\tline 99") || !strings.HasPrefix(got, "\tline 80\n") || strings.Count(got, "\n") != logTailLines-1 {
		t.Errorf("logTail = %q", got)
	}
	if got := logTail(strings.Repeat("x", 3*logTailBytes) + "\nlast"); len(got) > logTailBytes || !strings.HasSuffix(got, "last") {
		t.Errorf("logTail of a long line: %d bytes, ends %q", len(got), got[max(0, len(got)-10):])
	}
	if got := logTail(""); got != "\t(empty)" {
		t.Errorf("logTail(\"\") = %q", got)
	}
}
