// Package pgtest provides a throwaway PostgreSQL server and per-test
// databases for kith's tests and runnable examples.
//
// [Start] either connects to the server named by the KITH_DATABASE_URL
// environment variable or runs initdb and postgres from the local PostgreSQL
// server binaries in a temporary directory, listening only on a private Unix
// socket. The throwaway server is killed when the process that started it
// dies, and [Server.Close] removes it.
//
// For tests, the public package kithtest is the face of this one: [Main]
// runs a package's tests and then removes what they used, [Shared] starts
// the process's server on first use, and [Template.NewDB] clones a template
// database (built once per test process by a setup function) with CREATE
// DATABASE ... TEMPLATE and drops the clone when the test ends, so tests get
// full database isolation and may run in parallel.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgerr"
)

// EnvURL is the environment variable that names an existing PostgreSQL
// server to use instead of a throwaway one. Its value is a lib/pq connection
// string (URL or key=value form) for a superuser-capable role: pgtest creates
// and drops databases on that server. The database it names is used for
// administrative statements only. kithtest.EnvURL is the same name
// (kithtest imports pgtest, so each spells it; a kithtest test checks
// they agree).
const EnvURL = "KITH_DATABASE_URL"

// EnvDataDir is the environment variable that names a directory for a
// server that outlives the process: [Start] runs initdb there only if it
// holds no cluster yet, starts the server on it, and [Server.Close] stops the
// server with a fast shutdown but keeps the directory. `make bench` uses it so
// that a database seeded with a million contacts is seeded once. Only one
// process may use a directory at a time. KITH_DATABASE_URL takes precedence.
const EnvDataDir = "KITH_PGDATA"

// ErrNoPostgres is returned (wrapped) by [Start] when KITH_DATABASE_URL is not
// set and no PostgreSQL server binaries can be found.
var ErrNoPostgres = errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres) found on PATH or in /usr/lib/postgresql/*/bin; " +
	"install them (Debian/Ubuntu: apt-get install postgresql) or set " + EnvURL +
	" to the URL of a PostgreSQL server, e.g. postgres://postgres@localhost:5432/postgres?sslmode=disable")

const (
	// socketPort only names the socket file (.s.PGSQL.5432): the throwaway
	// server listens on no TCP port, so it never clashes with a system
	// cluster on 5432.
	socketPort = 5432
	superuser  = "postgres"

	startTimeout = 30 * time.Second
	pollInterval = 10 * time.Millisecond
	stopTimeout  = 10 * time.Second
	maxLogBytes  = 1 << 20
	staleAge     = 10 * time.Minute
	logTailLines = 20
	logTailBytes = 4 << 10
)

// defaultBinGlobs are the glob patterns searched (after PATH) for a directory
// holding initdb and postgres. Debian and Ubuntu install each major version in
// its own directory; the highest version wins.
var defaultBinGlobs = []string{"/usr/lib/postgresql/*/bin"}

// Server is a PostgreSQL server that pgtest may create and drop databases on:
// either a throwaway server started by [Start] or the server named by
// KITH_DATABASE_URL. Its methods are safe for concurrent use.
type Server struct {
	// Exactly one of baseURL (KITH_DATABASE_URL case) and dir (throwaway
	// case) is set.
	baseURL string
	dir     string // directory of the Unix socket (and of data/ unless keep)
	data    string // the cluster's data directory
	keep    bool   // data lives in a KITH_PGDATA directory: keep it on Close

	cmd    *exec.Cmd     // postmaster; nil for the URL case
	exited chan struct{} // closed when cmd has been waited for
	log    *tailBuffer   // server stderr

	admin *sql.DB // pool on the maintenance database

	// cloneMu serializes CREATE DATABASE ... TEMPLATE within this process:
	// PostgreSQL refuses to clone a template that another session is
	// connected to, and concurrent clones of one template can trip over
	// each other.
	cloneMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

// Start returns a server: the one named by KITH_DATABASE_URL when that is set,
// or else a new throwaway server. The throwaway server runs from the
// PostgreSQL server binaries found on PATH or, failing that, in the highest
// /usr/lib/postgresql/*/bin; when the process runs as root, initdb and
// postgres run as the "postgres" account (or "nobody"). Start returns once the
// server accepts connections, or an error that includes the server's log
// output. If no binaries are found the error wraps [ErrNoPostgres]. The caller
// must call [Server.Close].
func Start(ctx context.Context) (*Server, error) {
	return start(ctx, os.Getenv, func() (string, error) {
		return findBinDir(os.Getenv("PATH"), defaultBinGlobs)
	})
}

// start is Start with injectable environment lookup and binary finder.
func start(ctx context.Context, getenv func(string) string, findBin func() (string, error)) (*Server, error) {
	if u := getenv(EnvURL); u != "" {
		return connectURL(ctx, u)
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	return startThrowaway(ctx, bin, getenv(EnvDataDir))
}

func connectURL(ctx context.Context, u string) (*Server, error) {
	s := &Server{baseURL: u}
	db, err := sql.Open("postgres", u)
	if err != nil {
		return nil, fmt.Errorf("pgtest: open %s: %w", EnvURL, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("pgtest: connect to %s: %w", EnvURL, err)
	}
	s.admin = db
	return s, nil
}

// findBinDir returns the first directory holding executable initdb and
// postgres files: first the entries of path (a PATH-style list), then the
// matches of globs, highest version (the numeric path element below bin)
// first.
func findBinDir(path string, globs []string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir != "" && hasServerBinaries(dir) {
			return dir, nil
		}
	}
	var cands []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			return "", fmt.Errorf("pgtest: bad glob %q: %w", g, err)
		}
		cands = append(cands, m...)
	}
	best, bestVer := "", []int(nil)
	for _, dir := range cands {
		if !hasServerBinaries(dir) {
			continue
		}
		v := dirVersion(dir)
		if best == "" || compareVersions(v, bestVer) > 0 {
			best, bestVer = dir, v
		}
	}
	if best == "" {
		return "", ErrNoPostgres
	}
	return best, nil
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// dirVersion parses the version from .../<version>/bin, e.g. [15] or [9 6].
func dirVersion(binDir string) []int {
	var v []int
	for _, p := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// tempBase returns the directory to create the server's temporary directory
// in: /dev/shm when it is a usable tmpfs with room to spare, else the default
// temporary directory. On tmpfs CREATE DATABASE and DROP DATABASE, which
// create and unlink hundreds of files, are several times faster and less
// sensitive to disk contention than on a disk-backed /tmp.
func tempBase() string {
	const shm, minFree = "/dev/shm", 512 << 20
	var st syscall.Statfs_t
	if syscall.Statfs(shm, &st) == nil && st.Type == tmpfsMagic &&
		st.Bavail*uint64(st.Bsize) >= minFree && syscall.Access(shm, 2 /* W_OK */) == nil {
		return shm
	}
	return os.TempDir()
}

// removeStale removes kithpg-* directories in base left behind by processes
// that were killed before Close could run (Pdeathsig stops their servers but
// cannot remove files, which on /dev/shm hold memory). A directory is stale
// when it is older than staleAge and its postmaster.pid (or, for a data
// directory kept elsewhere, its socket's lock file) is missing or names a
// process that no longer exists. Errors are ignored.
func removeStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "kithpg-*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleAge {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
		if errors.Is(err, os.ErrNotExist) {
			// With KITH_PGDATA the data lives elsewhere and the directory
			// holds the socket: its lock file names the postmaster too.
			if locks, _ := filepath.Glob(filepath.Join(dir, ".s.PGSQL.*.lock")); len(locks) > 0 {
				b, err = os.ReadFile(locks[0])
			}
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			continue
		default:
			line, _, _ := strings.Cut(string(b), "\n")
			pid, err := strconv.Atoi(strings.TrimSpace(line))
			if err != nil || pid <= 0 || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
				continue
			}
		}
		debugf("removing stale %s", dir)
		os.RemoveAll(dir)
	}
}

// tmpfsMagic is TMPFS_MAGIC from linux/magic.h.
const tmpfsMagic = 0x01021994

// runAs returns the credentials to run initdb and postgres with: nil when the
// process is not root, else the "postgres" account, falling back to "nobody".
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			errs = append(errs, fmt.Errorf("user %s: bad uid/gid %q/%q", name, u.Uid, u.Gid))
			continue
		}
		// Groups is empty and NoSetGroups false: the children drop root's
		// supplementary groups too.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root and no unprivileged account to run PostgreSQL as: %w", errors.Join(errs...))
}

// startThrowaway starts a server in a new temporary directory; its cluster
// lives there too unless keepData names a directory to keep it in.
func startThrowaway(ctx context.Context, bin, keepData string) (*Server, error) {
	base := tempBase()
	removeStale(base)
	return startIn(ctx, base, bin, keepData)
}

// startIn is startThrowaway with the temporary directory created in base.
// On failure nothing is left behind: a postmaster that was started is
// stopped and the temporary directory is removed (a KITH_PGDATA directory
// is kept), and the error carries the tail of initdb's or the server's log.
func startIn(ctx context.Context, base, bin, keepData string) (_ *Server, err error) {
	began := time.Now()
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	// Short path: the socket path must stay under ~107 bytes.
	dir, err := os.MkdirTemp(base, "kithpg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, log: &tailBuffer{max: maxLogBytes}}
	defer func() {
		if err != nil {
			if s.admin != nil {
				s.admin.Close()
			}
			s.stop(s.keep)
			if rerr := os.RemoveAll(dir); rerr != nil {
				err = errors.Join(err, fmt.Errorf("pgtest: clean up after failed start: %w", rerr))
			}
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	if keepData != "" {
		if data, err = filepath.Abs(keepData); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDataDir, err)
		}
		s.keep = true
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDataDir, err)
		}
		if cred != nil {
			if err := os.Chown(data, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("pgtest: %w", err)
			}
		}
	}
	s.data = data
	env := childEnv()

	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
			"--no-sync", "--auth=trust", "-U", superuser, "-E", "UTF8", "--locale=C", "-D", data)
		initdb.Dir, initdb.Env = dir, env
		initdb.SysProcAttr = sysProcAttr(cred)
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pgtest: initdb failed (%w); its output ends:\n%s", err, logTail(string(out)))
		}
	}

	debugf("initdb took %v", time.Since(began).Round(time.Millisecond))

	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-k", dir,
		"-p", strconv.Itoa(socketPort),
		"-c", "listen_addresses=",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
		"-c", "logging_collector=off",
	)
	if !s.keep {
		// Dynamic shared memory in the data directory, not in /dev/shm:
		// an immediate shutdown leaves its segments behind, and they go
		// with the directory.
		cmd.Args = append(cmd.Args, "-c", "dynamic_shared_memory_type=mmap")
	}
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = sysProcAttr(cred)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		close(s.exited)
	}()

	s.admin, err = sql.Open("postgres", s.DSN("postgres"))
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	debugf("started PostgreSQL in %s (%v)", dir, time.Since(began).Round(time.Millisecond))
	return s, nil
}

// waitReady polls the server until it accepts a connection, the server exits,
// ctx is done or startTimeout passes.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		err := s.admin.PingContext(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pgtest: postgres exited during startup (%v); its log ends:\n%s", s.cmd.ProcessState, logTail(s.log.String()))
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready: %w (last error: %v); its log ends:\n%s", ctx.Err(), err, logTail(s.log.String()))
		case <-t.C:
		}
	}
}

func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	// Pdeathsig kills the server when the thread that started it (and so,
	// in practice, the test process) dies; Go applies it after setuid.
	// Setpgid puts the postmaster and its backends in their own process
	// group so Close can kill them all.
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// childEnv is the environment for initdb and postgres: ours without PG*
// variables (PGDATA, PGPORT, ... would change their behaviour).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// Close closes the server's connection pool and, for a throwaway server,
// stops PostgreSQL (immediate shutdown, then SIGKILL to its process group if
// it lingers) and removes its temporary directory. For the KITH_DATABASE_URL
// server it only closes the pool. Databases created on a KITH_DATABASE_URL
// server are not dropped. Close is idempotent; later calls return the first
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.admin != nil {
			errs = append(errs, s.admin.Close())
		}
		if s.dir != "" {
			errs = append(errs, s.stop(s.keep))
			if err := os.RemoveAll(s.dir); err != nil {
				errs = append(errs, fmt.Errorf("pgtest: %w", err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// stop stops the postmaster, if started, and waits for it to exit: a fast,
// clean shutdown when the data is kept, else an immediate one.
func (s *Server) stop(clean bool) error {
	if s.cmd == nil {
		return nil
	}
	pid := s.cmd.Process.Pid
	sig := syscall.SIGQUIT // immediate shutdown; the data directory is thrown away
	if clean {
		sig = syscall.SIGINT // fast shutdown: a checkpoint, no recovery on next start
	}
	select {
	case <-s.exited: // already gone (a failed start): do not signal a reused pid
	default:
		_ = syscall.Kill(pid, sig)
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.exited
	}
	// Backends exit on their own once the postmaster is gone; make sure.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return nil
}

// DSN returns a lib/pq connection string for database on this server. For a
// throwaway server it is a key=value string for the Unix socket with
// user=postgres and sslmode=disable; for the KITH_DATABASE_URL server it is
// that URL with the database name replaced.
func (s *Server) DSN(database string) string {
	if s.baseURL == "" {
		return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
			quoteDSNValue(s.dir), socketPort, superuser, quoteDSNValue(database))
	}
	return replaceDBName(s.baseURL, database)
}

// replaceDBName returns the lib/pq connection string dsn with its database
// name replaced by database. dsn may be a URL or key=value pairs.
func replaceDBName(dsn, database string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path, u.RawPath = "/"+database, ""
			return u.String()
		}
	}
	// In key=value form a later key overrides an earlier one.
	return strings.TrimSpace(dsn) + " dbname=" + quoteDSNValue(database)
}

// quoteDSNValue quotes v for a key=value connection string.
func quoteDSNValue(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n\r") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// CreateDatabase creates database name, as a copy of template when template
// is not empty. Cloning fails if another session is connected to template;
// calls with a template are serialized within the process.
func (s *Server) CreateDatabase(ctx context.Context, name, template string) error {
	q := "CREATE DATABASE " + pq.QuoteIdentifier(name)
	if template != "" {
		q += " TEMPLATE " + pq.QuoteIdentifier(template)
		s.cloneMu.Lock()
		defer s.cloneMu.Unlock()
	}
	if _, err := s.admin.ExecContext(ctx, q); err != nil {
		if pgerr.Code(err) == pgerr.InsufficientPrivilege {
			return fmt.Errorf("pgtest: create database %s: the role may not create databases (grant it CREATEDB): %w", name, err)
		}
		return fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return nil
}

// OpenDatabase creates database name unless it exists and returns a
// handle on it through lib/pq (driver "postgres"), for programs that keep
// their data between runs (kith's examples). The caller closes it.
func (s *Server) OpenDatabase(ctx context.Context, name string) (*sqlx.DB, error) {
	if err := s.CreateDatabase(ctx, name, ""); err != nil && pgerr.Code(err) != pgerr.DuplicateDatabase {
		return nil, err
	}
	db, err := sqlx.Open("postgres", s.DSN(name))
	if err != nil {
		return nil, fmt.Errorf("pgtest: open database %s: %w", name, err)
	}
	return db, nil
}

// DropDatabase drops database name if it exists, terminating any sessions
// still connected to it (DROP DATABASE ... WITH (FORCE)).
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	// DROP DATABASE ... WITH (FORCE) signals the remaining sessions, but
	// then re-checks for them only every 100 ms. A pool closed just before
	// the drop leaves backends that are still exiting, so terminate and
	// wait for them here with a much shorter poll interval.
	if err := s.endSessions(ctx, name); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// endSessions terminates the sessions connected to database name and waits
// until they are gone (or ctx is done, or a second passes: DROP ... WITH
// (FORCE) then deals with stragglers).
func (s *Server) endSessions(ctx context.Context, name string) error {
	const q = `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`
	deadline := time.Now().Add(time.Second)
	for {
		var n int
		if err := s.admin.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
			return err
		}
		if n == 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// UniqueName returns a database name starting with prefix that is unique
// across processes sharing one server: it includes the process id and random
// bytes. prefix should be a short lower-case identifier.
func UniqueName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s_%d_%s", prefix, os.Getpid(), hex.EncodeToString(b[:]))
}

// tailBuffer is a concurrency-safe writer that keeps the last max bytes
// (roughly) written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > b.max {
		keep := b.buf.Bytes()[b.buf.Len()/2:]
		b.buf = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return b.buf.Write(p)
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logTail returns the last logTailLines lines of a log (at most
// logTailBytes), each indented, for an error message: the cause of a failed
// start is at the end of initdb's or postgres' output.
func logTail(log string) string {
	log = strings.TrimRight(log, "\n")
	if log == "" {
		return "\t(empty)"
	}
	if len(log) > logTailBytes {
		log = log[len(log)-logTailBytes:]
		if i := strings.IndexByte(log, '\n'); i >= 0 {
			log = log[i+1:]
		}
	}
	lines := strings.Split(log, "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return "\t" + strings.Join(lines, "\n\t")
}

// debugf prints to stderr when PGTEST_DEBUG is set.
func debugf(format string, args ...any) {
	if os.Getenv("PGTEST_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "pgtest: "+format+"\n", args...)
	}
}
