// Package benchdb gives benchmarks a database holding users with exactly n
// synthetic contacts, seeded the first time they are asked for and reused
// after that: seeding a million contacts takes minutes, a benchmark run
// should not pay for it every time.
//
// The database, kith_bench, lives on the server pgtest.Main started. With
// KITH_PGDATA set (make bench sets it) that server keeps its data between
// runs, so the seed survives; with a throwaway server it lasts one process.
package benchdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
)

// Name is the benchmark database's name.
const Name = "kith_bench"

// seedVersion changes whenever internal/seed changes what it writes, so
// that a database seeded by an older version is built again.
const seedVersion = 7

var state struct {
	mu    sync.Mutex
	db    *sqlx.DB // lib/pq: seeding and bookkeeping
	walk  *sqlx.DB // the driver KITH_TEST_DRIVER selects: what benchmarks use
	users map[int]uuid.UUID
}

// User returns a handle on the benchmark database and a user with exactly
// n seeded contacts (seed.Options defaults), seeding them if no such user
// exists yet. The handle uses the driver KITH_TEST_DRIVER selects (lib/pq
// by default, pgx/v5/stdlib with "pgx"; see kithtest.Driver). It is shared
// by the whole process; do not close it.
func User(tb testing.TB, n int) (*sqlx.DB, uuid.UUID) {
	tb.Helper()
	state.mu.Lock()
	defer state.mu.Unlock()
	ctx := context.Background()
	if state.db == nil {
		db, err := open(ctx, pgtest.Shared(tb))
		if err != nil {
			tb.Fatal(err)
		}
		walk, err := sqlx.Open(kithtest.Driver(tb), pgtest.Shared(tb).DSN(Name))
		if err != nil {
			db.Close()
			tb.Fatal(err)
		}
		state.db, state.walk, state.users = db, walk, map[int]uuid.UUID{}
	}
	if id, ok := state.users[n]; ok {
		return state.walk, id
	}
	id, err := user(ctx, state.db, n, tb)
	if err != nil {
		tb.Fatal(err)
	}
	state.users[n] = id
	return state.walk, id
}

// open opens the benchmark database, creating it, or creating it again
// when it was made by other migrations or another seed version: migrations
// may still change in development, and Migrate only ever adds.
func open(ctx context.Context, s *pgtest.Server) (*sqlx.DB, error) {
	want, err := fingerprint()
	if err != nil {
		return nil, err
	}
	admin, err := sqlx.Open("postgres", s.DSN("postgres"))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, Name); err != nil {
		return nil, fmt.Errorf("benchdb: %w", err)
	}
	if exists {
		db, err := sqlx.Open("postgres", s.DSN(Name))
		if err != nil {
			return nil, err
		}
		var got string
		err = db.GetContext(ctx, &got, `SELECT fingerprint FROM public.kith_bench_meta`)
		if err == nil && got == want {
			return db, nil
		}
		db.Close()
		if err := s.DropDatabase(ctx, Name); err != nil {
			return nil, fmt.Errorf("benchdb: %w", err)
		}
	}
	if err := s.CreateDatabase(ctx, Name, ""); err != nil {
		return nil, fmt.Errorf("benchdb: %w", err)
	}
	db, err := sqlx.Open("postgres", s.DSN(Name))
	if err != nil {
		return nil, err
	}
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		db.Close()
		return nil, fmt.Errorf("benchdb: %w", err)
	}
	for _, stmt := range []string{
		`CREATE TABLE public.kith_bench_users (n integer PRIMARY KEY, user_id uuid NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE public.kith_bench_meta (fingerprint text NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("benchdb: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO public.kith_bench_meta VALUES ($1)`, want); err != nil {
		db.Close()
		return nil, fmt.Errorf("benchdb: %w", err)
	}
	return db, nil
}

// fingerprint identifies the schema and seed the database was built with.
func fingerprint() (string, error) {
	ms, err := kith.Migrations("")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "seed %d\n", seedVersion)
	for _, m := range ms {
		fmt.Fprintf(h, "%s\n%s\n", m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// user finds or seeds the user with n contacts, under a session advisory
// lock so that two processes sharing a server do not seed twice.
func user(ctx context.Context, db *sqlx.DB, n int, tb testing.TB) (uuid.UUID, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('kith/benchdb'))`); err != nil {
		return uuid.Nil, err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext('kith/benchdb'))`) //nolint:errcheck

	var id uuid.UUID
	err = conn.GetContext(ctx, &id, `SELECT user_id FROM public.kith_bench_users WHERE n = $1`, n)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return uuid.Nil, fmt.Errorf("benchdb: %w", err)
	}
	// Remove what an interrupted seeding left.
	for _, table := range []string{"kith.contacts", "kith.groups"} {
		if _, err := conn.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id NOT IN (SELECT user_id FROM public.kith_bench_users)`); err != nil {
			return uuid.Nil, fmt.Errorf("benchdb: clean up: %w", err)
		}
	}
	id = uuid.New()
	began := time.Now()
	tb.Logf("benchdb: seeding a user with %d contacts (once; reused by later runs with KITH_PGDATA)", n)
	if err := seed.Contacts(ctx, db, id, n, seed.Options{}); err != nil {
		return uuid.Nil, err
	}
	tb.Logf("benchdb: seeded %d contacts in %v", n, time.Since(began).Round(time.Millisecond))
	if _, err := conn.ExecContext(ctx, `INSERT INTO public.kith_bench_users (n, user_id) VALUES ($1, $2)`, n, id); err != nil {
		return uuid.Nil, fmt.Errorf("benchdb: %w", err)
	}
	return id, nil
}
