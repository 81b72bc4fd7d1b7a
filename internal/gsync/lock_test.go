package gsync

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/kithtest"
)

// pools returns one pool per driver on one fresh database: lib/pq and
// pgx/v5/stdlib, whatever KITH_TEST_DRIVER says.
func pools(t *testing.T) map[string]*sqlx.DB {
	t.Helper()
	dsn := kithtest.DSN(t, kithtest.DB(t))
	out := map[string]*sqlx.DB{}
	for _, d := range []string{"postgres", "pgx"} {
		db, err := sqlx.Connect(d, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		out[d] = db
	}
	return out
}

// waitForWaiter returns once some session waits for the advisory lock key
// (a PostgreSQL lock not granted), or fails t after a minute.
func waitForWaiter(t *testing.T, db *sqlx.DB, key int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		var n int
		// An advisory lock on a bigint key shows classid (high 32 bits),
		// objid (low 32 bits) and objsubid 1.
		err := db.GetContext(ctx, &n, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`, key)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
}

func heldBy(t *testing.T, db *sqlx.DB, key int64) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`, key); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLock(t *testing.T) {
	t.Parallel()
	for driver, db := range pools(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			pool, err := AsPool(db)
			if err != nil {
				t.Fatal(err)
			}
			user, other := uuid.New(), uuid.New()
			key := LockKey("kith", user, "people")

			conn, release, err := Lock(ctx, pool, "", user, "people", FailFast)
			if err != nil {
				t.Fatal(err)
			}
			if heldBy(t, db, key) != 1 {
				t.Fatal("lock not held")
			}
			// The run's connection is usable.
			var one int
			if err := conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
				t.Fatal(err)
			}

			t.Run("second fails fast", func(t *testing.T) {
				if _, _, err := Lock(ctx, pool, "kith", user, "people", FailFast); err != ErrBusy {
					t.Errorf("err = %v, want ErrBusy", err)
				}
			})
			t.Run("others do not block", func(t *testing.T) {
				for _, k := range []struct {
					schema, resource string
					user             uuid.UUID
				}{{"", "people", other}, {"", "calendar:primary", user}, {"crm", "people", user}} {
					_, rel, err := Lock(ctx, pool, k.schema, k.user, k.resource, FailFast)
					if err != nil {
						t.Errorf("%+v: %v", k, err)
						continue
					}
					if err := rel(); err != nil {
						t.Error(err)
					}
				}
			})
			t.Run("wait is cancellable", func(t *testing.T) {
				wctx, cancel := context.WithCancel(ctx)
				done := make(chan error)
				go func() {
					_, _, err := Lock(wctx, pool, "", user, "people", Wait)
					done <- err
				}()
				waitForWaiter(t, db, key)
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, ErrBusy) ||
					!strings.Contains(err.Error(), "waiting for another sync") || ErrorText(err) != err.Error() {
					t.Errorf("err = %v, want context.Canceled and ErrBusy, saying what it waited for", err)
				}
				if heldBy(t, db, key) != 1 {
					t.Error("the cancelled waiter holds the lock, or the holder lost it")
				}
			})
			t.Run("wait with a deadline", func(t *testing.T) {
				// The deadline passes while the lock is held: no sleep,
				// the holder keeps it throughout.
				dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
				_, _, err := Lock(dctx, pool, "", user, "people", Wait)
				if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrBusy) {
					t.Errorf("err = %v, want context.DeadlineExceeded and ErrBusy", err)
				}
				const want = "sync: gave up waiting for another sync of this user and resource to end: context deadline exceeded"
				if err == nil || err.Error() != want {
					t.Errorf("err = %v, want %q", err, want)
				}
				if heldBy(t, db, key) != 1 {
					t.Error("the timed-out waiter holds the lock, or the holder lost it")
				}
			})
			t.Run("second waits", func(t *testing.T) {
				type result struct {
					conn    *sql.Conn
					release Release
					err     error
				}
				done := make(chan result)
				go func() {
					c, r, err := Lock(ctx, pool, "", user, "people", Wait)
					done <- result{c, r, err}
				}()
				waitForWaiter(t, db, key)
				select {
				case r := <-done:
					t.Fatalf("second locker returned while the first held the lock: %v", r.err)
				default:
				}
				if err := release(); err != nil {
					t.Fatal(err)
				}
				if err := release(); err != nil {
					t.Errorf("second release: %v", err)
				}
				r := <-done
				if r.err != nil {
					t.Fatal(r.err)
				}
				if heldBy(t, db, key) != 1 {
					t.Error("the waiter does not hold the lock")
				}
				if err := r.release(); err != nil {
					t.Fatal(err)
				}
				if heldBy(t, db, key) != 0 {
					t.Error("lock still held after release")
				}
			})
		})
	}
}

// TestLockReleasedWithItsConnection: a run whose process dies (its
// connection closes) frees the lock; a connection whose unlock failed is
// closed, not pooled with the lock held.
func TestLockReleasedWithItsConnection(t *testing.T) {
	t.Parallel()
	for driver, db := range pools(t) {
		t.Run(driver, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			pool, _ := AsPool(db)
			user := uuid.New()

			t.Run("connection killed", func(t *testing.T) {
				conn, release, err := Lock(ctx, pool, "", user, "people", FailFast)
				if err != nil {
					t.Fatal(err)
				}
				var pid int
				if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend($1, 60000)`, pid); err != nil {
					t.Fatal(err)
				}
				if _, rel, err := Lock(ctx, pool, "", user, "people", FailFast); err != nil {
					t.Fatalf("lock of a dead session still held: %v", err)
				} else if err := rel(); err != nil {
					t.Fatal(err)
				}
				if err := release(); err == nil {
					t.Error("release on a dead connection reported no error")
				}
			})

			t.Run("unlock failed", func(t *testing.T) {
				conn, release, err := Lock(ctx, pool, "", user, "people", FailFast)
				if err != nil {
					t.Fatal(err)
				}
				var pid int
				if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
					t.Fatal(err)
				}
				// A transaction left aborted on the connection: the unlock
				// statement fails, and the session still holds the lock.
				if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, `SELECT 1/0`); err == nil {
					t.Fatal("1/0 succeeded")
				}
				if err := release(); err == nil {
					t.Fatal("release reported no error")
				}
				// The connection was closed and its backend ended before
				// release returned: the lock is free at once (FailFast: a
				// retry right after a cancelled sync is not ErrBusy).
				_, rel, err := Lock(ctx, pool, "", user, "people", FailFast)
				if err != nil {
					t.Fatalf("lock of a discarded connection still held: %v", err)
				}
				defer rel()
				var alive bool
				if err := db.GetContext(ctx, &alive, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid); err != nil {
					t.Fatal(err)
				}
				if alive {
					t.Error("the connection whose unlock failed is still open")
				}
			})
		})
	}
}

func TestAsPool(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	if _, err := AsPool(db); err != nil {
		t.Errorf("*sqlx.DB: %v", err)
	}
	if _, err := AsPool(db.DB); err != nil {
		t.Errorf("*sql.DB: %v", err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := AsPool(conn); err == nil {
		t.Error("*sql.Conn accepted as a pool")
	}
	if _, err := AsPool((*sqlx.DB)(nil)); err == nil {
		t.Error("typed nil accepted")
	}
	if _, _, err := Lock(context.Background(), db, "", uuid.Nil, "people", FailFast); err == nil {
		t.Error("uuid.Nil accepted")
	}
	if _, _, err := Lock(context.Background(), db, "", uuid.New(), "", FailFast); err == nil {
		t.Error("empty resource accepted")
	}
}

// TestLockKey is stable (a key of a running sync must not change between
// versions) and depends on each part.
func TestLockKey(t *testing.T) {
	u := uuid.MustParse("6f1c1f5e-8a51-4d8e-9a43-2c1d2b7f0a11")
	k := LockKey("kith", u, "people")
	if k != LockKey("kith", u, "people") {
		t.Fatal("not deterministic")
	}
	for _, other := range []int64{LockKey("crm", u, "people"), LockKey("kith", uuid.New(), "people"), LockKey("kith", u, "calendarList"), LockKey("kit", u, "hpeople")} {
		if other == k {
			t.Error("collision between parts")
		}
	}
}

// endHolderSQL ends the backend holding a lock, for keys of either sign
// (a bigint key's high half is negative as an int4), and no other.
func TestEndHolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	for _, key := range []int64{-5, 1 << 40, -(1 << 40) - 7} {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid int64
		if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) l`, key).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, endHolderSQL, pid, key+1); err != nil {
			t.Fatal(err)
		}
		var alive bool
		if err := db.GetContext(ctx, &alive, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid); err != nil {
			t.Fatal(err)
		}
		if !alive {
			t.Fatalf("key %d: a backend holding another key was ended", key)
		}
		if _, err := db.ExecContext(ctx, endHolderSQL, pid, key); err != nil {
			t.Fatal(err)
		}
		if err := db.GetContext(ctx, &alive, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)`, pid); err != nil {
			t.Fatal(err)
		}
		if alive {
			t.Errorf("key %d: the backend holding it is still there", key)
		}
		discard(conn)
	}
}
