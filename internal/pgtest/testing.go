package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// setupTimeout bounds server start plus template setup in Main;
// dbTimeout bounds one clone or drop in NewDB.
const (
	setupTimeout = 5 * time.Minute
	dbTimeout    = time.Minute
)

// env is the process-wide state set by Main.
var env struct {
	mu       sync.Mutex
	ran      bool    // Main was called
	err      error   // why no server/template is available
	server   *Server // nil if err != nil
	template string
	seq      atomic.Uint64
}

// Main is for TestMain. It starts a server with [Start] (so it honours
// KITH_DATABASE_URL), creates a uniquely named template database and runs
// setup (which may be nil) on it, runs m, then drops the template, closes
// the server and calls os.Exit with m.Run's code.
//
// If no server can be had or setup fails, the tests still run, and every
// call to [NewDB] or [NewDBWithDSN] fails the calling test with the reason
// (for example that PostgreSQL is not installed): tests are not skipped, so
// CI notices.
//
// The setup connection is closed before any clone is made; setup must not
// leave other sessions connected to the template (any that remain are
// terminated).
func Main(m *testing.M, setup func(ctx context.Context, db *sqlx.DB) error) {
	os.Exit(runMain(m, setup))
}

func runMain(m *testing.M, setup func(ctx context.Context, db *sqlx.DB) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	s, tpl, err := prepare(ctx, setup)
	cancel()

	env.mu.Lock()
	env.ran, env.err, env.server, env.template = true, err, s, tpl
	env.mu.Unlock()

	code := m.Run()

	if s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		if err := s.DropDatabase(ctx, tpl); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// prepare starts a server and builds the template database.
func prepare(ctx context.Context, setup func(ctx context.Context, db *sqlx.DB) error) (*Server, string, error) {
	s, err := Start(ctx)
	if err != nil {
		return nil, "", err
	}
	tpl, err := s.buildTemplate(ctx, setup)
	if err != nil {
		s.Close()
		return nil, "", err
	}
	return s, tpl, nil
}

// buildTemplate creates a uniquely named database, runs setup on it and
// makes it ready for cloning: no sessions remain and new connections are
// refused.
func (s *Server) buildTemplate(ctx context.Context, setup func(ctx context.Context, db *sqlx.DB) error) (name string, err error) {
	name = UniqueName("kith_tpl")
	if err := s.CreateDatabase(ctx, name, ""); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			s.DropDatabase(context.Background(), name)
		}
	}()
	if setup != nil {
		db, err := sqlx.Open("postgres", s.DSN(name))
		if err != nil {
			return "", fmt.Errorf("pgtest: %w", err)
		}
		err = setup(ctx, db)
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("pgtest: template setup: %w", err)
		}
	}
	// Refuse new connections and end any the setup leaked: CREATE DATABASE
	// ... TEMPLATE fails while anyone is connected to the template.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(name)+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("pgtest: template: %w", err)
	}
	if _, err := s.admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		return "", fmt.Errorf("pgtest: template: %w", err)
	}
	return name, nil
}

// NewDB returns a handle (driver "postgres", lib/pq) to a new database cloned
// from the template built by [Main]. The handle is closed and the database
// dropped in tb.Cleanup. NewDB is safe to call from parallel tests. It fails
// tb (tb.Fatal) if Main was not used or found no server.
func NewDB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	db, _ := NewDBWithDSN(tb)
	return db
}

// NewDBWithDSN is [NewDB] that also returns the lib/pq DSN of the new
// database, for tests that open another pool or a pq.Listener on it.
func NewDBWithDSN(tb testing.TB) (*sqlx.DB, string) {
	tb.Helper()
	env.mu.Lock()
	ran, err, s, tpl := env.ran, env.err, env.server, env.template
	env.mu.Unlock()
	switch {
	case !ran:
		tb.Fatal("pgtest: NewDB needs TestMain to call pgtest.Main")
	case err != nil:
		tb.Fatal(err)
	}
	name := fmt.Sprintf("%s_%d", tpl, env.seq.Add(1))
	db, dsn, cleanup, err := s.cloneDB(name, tpl)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := cleanup(); err != nil {
			tb.Error(err)
		}
	})
	return db, dsn
}

// cloneDB creates database name from template and connects to it. cleanup
// closes the pool and drops the database.
func (s *Server) cloneDB(name, template string) (db *sqlx.DB, dsn string, cleanup func() error, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := s.CreateDatabase(ctx, name, template); err != nil {
		return nil, "", nil, err
	}
	dsn = s.DSN(name)
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		return s.DropDatabase(ctx, name)
	}
	db, err = sqlx.ConnectContext(ctx, "postgres", dsn)
	if err != nil {
		return nil, "", nil, errors.Join(fmt.Errorf("pgtest: connect to %s: %w", name, err), drop())
	}
	cleanup = func() error {
		return errors.Join(db.Close(), drop())
	}
	return db, dsn, cleanup, nil
}

// Shared returns the server Main started, for tests and benchmarks that
// keep their own long-lived databases on it (see internal/benchdb). It
// fails tb if Main was not called or no server could be had.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	env.mu.Lock()
	ran, err, s := env.ran, env.err, env.server
	env.mu.Unlock()
	switch {
	case !ran:
		tb.Fatal("pgtest: Shared called without pgtest.Main in TestMain")
	case err != nil:
		tb.Fatal(err)
	}
	return s
}
