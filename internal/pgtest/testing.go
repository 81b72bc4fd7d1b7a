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

// setupTimeout bounds server start, and then one template's setup;
// dbTimeout bounds one clone or drop.
const (
	setupTimeout = 5 * time.Minute
	dbTimeout    = time.Minute
)

// proc is the process-wide state behind Main: one server, started on first
// use, and the templates built on it.
var proc struct {
	mu        sync.Mutex
	ran       bool // Main (or Run) is running the tests
	done      bool // Run has cleaned up: no new server or template
	started   bool // the server start was attempted
	server    *Server
	err       error    // why there is no server
	templates []string // names of the templates to drop at the end
	seq       atomic.Uint64
}

// Main is for TestMain: it calls [Run] and exits with its code.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs m's tests and then removes what they used: the templates built
// by [Template.NewDB] are dropped and the server, if one was started, is
// stopped and its directory removed. The server is started by the first
// test that needs one, not by Run, so tests that need no database start
// none. Run returns m.Run's exit code.
func Run(m *testing.M) int {
	proc.mu.Lock()
	proc.ran = true
	proc.mu.Unlock()

	code := m.Run()

	proc.mu.Lock()
	s, tpls := proc.server, proc.templates
	proc.done, proc.server, proc.templates = true, nil, nil
	proc.mu.Unlock()
	if s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		for _, name := range tpls {
			if err := s.DropDatabase(ctx, name); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// Shared returns the process's server, starting it on first use (see
// [Start]). It fails tb if Main is not running the tests or no server
// could be had; a failed start is not retried, every later caller gets the
// same error.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	s, err := shared()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func shared() (*Server, error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	switch {
	case !proc.ran:
		return nil, errors.New("pgtest: no TestMain: call kithtest.Main(m) from the package's TestMain")
	case proc.done:
		return nil, errors.New("pgtest: the tests have finished")
	case !proc.started:
		proc.started = true
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		proc.server, proc.err = Start(ctx)
		cancel()
	}
	return proc.server, proc.err
}

// A Template is a database built once per test process, on first use, by
// a setup function, and cloned for each test by [Template.NewDB].
type Template struct {
	prefix string
	setup  func(ctx context.Context, db *sqlx.DB) error
	driver string

	once sync.Once
	name string
	err  error
}

// NewTemplate returns a template whose database name starts with prefix and
// that setup (which may be nil) fills, connected with driverName ("postgres"
// for lib/pq, "pgx" for pgx/v5/stdlib). setup must not leave sessions
// connected to the database: any that remain are terminated.
func NewTemplate(prefix, driverName string, setup func(ctx context.Context, db *sqlx.DB) error) *Template {
	return &Template{prefix: prefix, setup: setup, driver: driverName}
}

// NewDB returns a handle opened with the template's driver to a new
// database cloned from the template (built on first use). The handle is
// closed and the database dropped in tb.Cleanup. NewDB is safe to call from
// parallel tests. It fails tb (tb.Fatal) if Main is not running the tests,
// no server could be had or the template could not be built.
func (t *Template) NewDB(tb testing.TB) (*sqlx.DB, string) {
	tb.Helper()
	s, err := t.build()
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("%s_%d", t.name, proc.seq.Add(1))
	db, dsn, cleanup, err := s.cloneDB(name, t.name, t.driver)
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

// build returns the server with the template built on it.
func (t *Template) build() (*Server, error) {
	s, err := shared()
	if err != nil {
		return nil, err
	}
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		name := UniqueName(t.prefix)
		proc.mu.Lock()
		done := proc.done
		if !done {
			// Registered before it exists: Run drops it whatever happens.
			proc.templates = append(proc.templates, name)
		}
		proc.mu.Unlock()
		if done {
			t.err = errors.New("pgtest: the tests have finished")
			return
		}
		t.err = s.buildTemplate(ctx, name, t.driver, t.setup)
		t.name = name
	})
	return s, t.err
}

// buildTemplate creates database name, runs setup on it and makes it ready
// for cloning: no sessions remain and new connections are refused.
func (s *Server) buildTemplate(ctx context.Context, name, driver string, setup func(ctx context.Context, db *sqlx.DB) error) (err error) {
	if err := s.CreateDatabase(ctx, name, ""); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.DropDatabase(context.Background(), name)
		}
	}()
	if setup != nil {
		db, err := sqlx.Open(driver, s.DSN(name))
		if err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
		err = setup(ctx, db)
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("pgtest: template setup: %w", err)
		}
	}
	// Refuse new connections and end any the setup leaked: CREATE DATABASE
	// ... TEMPLATE fails while anyone is connected to the template.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(name)+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("pgtest: template: %w", err)
	}
	if err := s.endSessions(ctx, name); err != nil {
		return fmt.Errorf("pgtest: template: %w", err)
	}
	return nil
}

// cloneDB creates database name from template and connects to it with
// driver. cleanup closes the pool and drops the database.
func (s *Server) cloneDB(name, template, driver string) (db *sqlx.DB, dsn string, cleanup func() error, err error) {
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
	db, err = sqlx.ConnectContext(ctx, driver, dsn)
	if err != nil {
		return nil, "", nil, errors.Join(fmt.Errorf("pgtest: connect to %s: %w", name, err), drop())
	}
	cleanup = func() error {
		return errors.Join(db.Close(), drop())
	}
	return db, dsn, cleanup, nil
}
