package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgerr"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// waitFor polls cond every few milliseconds for up to 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// An early break closes the page at once: the connection is back in the
// pool (not discarded) when the loop statement ends, and no goroutine is
// left behind.
func TestEarlyBreak(t *testing.T) {
	db := kithtest.DB(t) // not parallel: it counts goroutines
	user := uuid.New()
	fill(t, db, user, 3000)
	db.SetMaxIdleConns(4)
	for _, at := range []int{1, 3, 1000, 1500} {
		ctx, cancel := context.WithCancel(context.Background()) // a cancellable ctx makes lib/pq and database/sql watch it
		base := runtime.NumGoroutine()
		n := 0
		for _, err := range stream.Contacts(ctx, db, user, stream.Options{PageSize: 1000}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == at {
				if s := db.Stats(); s.InUse != 1 {
					t.Fatalf("break at %d: %d connections in use inside the loop, want 1", at, s.InUse)
				}
				break
			}
		}
		s := db.Stats()
		if s.InUse != 0 || s.Idle < 1 {
			t.Fatalf("break at %d: after the loop %d in use, %d idle; want 0 in use, the connection idle", at, s.InUse, s.Idle)
		}
		if s.MaxIdleClosed+s.MaxLifetimeClosed+s.MaxIdleTimeClosed != 0 {
			t.Fatalf("break at %d: connections were closed: %+v", at, s)
		}
		waitFor(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= base })
		cancel()
	}
	// Nothing of ours is still running on the server.
	var active int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`).Scan(&active); err != nil {
		t.Fatal(err)
	}
	if active != 0 {
		t.Fatalf("%d statements still active on the server", active)
	}
}

// A cancelled context ends the stream with one error matching the
// context's error; so does a context cancelled before the first page.
func TestCancel(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	user := uuid.New()
	fill(t, db, user, 400)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, stream.Options{}), nil)
	if n != 0 || after != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("pre-cancelled: %d items, %v, %d after", n, err, after)
	}

	for _, at := range []int{5, 10, 29} { // inside a page, at its last row, mid-walk
		ctx, cancel := context.WithCancel(context.Background())
		n, err, after := errorsOf(stream.MinimalContacts(ctx, db, user, stream.Options{PageSize: 10}), func(i int) {
			if i == at {
				cancel()
			}
		})
		cancel()
		if n != at+1 || after != 0 || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at %d: %d items, then %v, then %d; want a cut walk ending in context.Canceled", at, n, err, after)
		}
		t.Logf("cancelled at item %d: %d items, then %v", at, n, err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err, _ := errorsOf(stream.Contacts(ctx, db, user, stream.Options{}), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired deadline: %v", err)
	}
}

// bigRows gives user n contacts with notes of size bytes, so that a page
// of them cannot sit in socket buffers: the server is still sending when
// the loop body runs.
func bigRows(tb testing.TB, db *sqlx.DB, user uuid.UUID, n, size int) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), `
		INSERT INTO kith.contacts (user_id, name, notes)
		SELECT $1, 'n' || lpad(i::text, 6, '0'), repeat(md5(i::text), $3 / 32)
		FROM generate_series(1, $2) i`, user, n, size); err != nil {
		tb.Fatal(err)
	}
}

// Terminating the backend in the middle of a page yields one error and
// ends the walk: never a silent short walk. The page's Scan terminates its
// own backend at row 10 of a 12 MB page, so the rest of the page cannot be
// sitting in socket buffers already.
func TestTerminateMidPage(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	dsn := kithtest.DSN(t, db)
	admin := sqlx.MustOpen(kithtest.Driver(t), dsn)
	defer admin.Close()
	user := uuid.New()
	bigRows(t, db, user, 3000, 4096)
	ks := stream.Keyset[string, string]{
		Query: func(after string, limit int) (string, []any) {
			return `SELECT name, notes, pg_backend_pid() FROM kith.contacts
				WHERE user_id = $1 AND name > $2 ORDER BY name LIMIT $3`, []any{user, after, limit}
		},
		Scan: func(rows *sql.Rows, item, key *string) error {
			var notes string
			var pid int
			if err := rows.Scan(key, &notes, &pid); err != nil {
				return err
			}
			*item = *key
			if *key == "n000010" {
				var ok bool
				if err := admin.QueryRowContext(context.Background(), `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
					return fmt.Errorf("pg_terminate_backend: %v %v", ok, err)
				}
			}
			return nil
		},
		PageSize: 3000,
	}
	n, err, after := errorsOf(stream.Walk(context.Background(), db, ks), nil)
	if err == nil || after != 0 || n >= 3000 || n < 10 {
		t.Fatalf("%d items, then %v, then %d; want a cut walk ending in one error", n, err, after)
	}
	t.Logf("terminated at row 10: %d items, then %v", n, err)
	if db.Stats().InUse != 0 {
		t.Fatal("a connection is still in use")
	}
}

// Terminating the backend between pages (its connection idle in the pool)
// either fails the next page with one error or, if database/sql retries
// the query on a fresh connection, lets the walk finish correctly. Both
// are honest: the caller can always tell which happened.
func TestTerminateBetweenPages(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	dsn := kithtest.DSN(t, db)
	admin := sqlx.MustOpen(kithtest.Driver(t), dsn)
	defer admin.Close()
	user := uuid.New()
	fill(t, db, user, 500)
	want := wantIDs(t, db, user, orderCase{}, false)
	var pid int
	if err := db.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // the stream reuses the connection whose pid we know
	var got []uuid.UUID
	var err error
	after := 0
	for m, e := range stream.MinimalContacts(context.Background(), db, user, stream.Options{PageSize: 100}) {
		if err != nil {
			after++
			continue
		}
		if e != nil {
			err = e
			continue
		}
		got = append(got, m.ID)
		if len(got) == 100 { // the last row of page 1: the server is done with it
			waitFor(t, "page 1 to finish on the server", func() bool {
				var state string
				admin.QueryRowContext(context.Background(), `SELECT state FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&state)
				return state == "idle"
			})
			// With a timeout, pg_terminate_backend waits for the backend to exit.
			var gone bool
			if e := admin.QueryRowContext(context.Background(), `SELECT pg_terminate_backend($1, 10000)`, pid).Scan(&gone); e != nil || !gone {
				t.Fatalf("pg_terminate_backend: %v %v", gone, e)
			}
		}
	}
	if after != 0 {
		t.Fatalf("%d items after the error", after)
	}
	if err != nil {
		if len(got) != 100 {
			t.Fatalf("%d items before the error, want 100", len(got))
		}
		t.Logf("the next page failed: %v", err)
		return
	}
	t.Log("database/sql retried the next page on a new connection; the walk completed")
	equalIDs(t, "walk across a terminated backend", got, want)
}

// A statement timeout in the middle of the walk yields one error (SQLSTATE
// 57014) and ends the stream. The page after the first two is made to wait
// for a lock another session holds, past a 300 ms statement_timeout set on
// the walk's own connection (SET works whatever the DSN's form, URL or
// key=value, and whatever the driver).
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	admin := kithtest.DB(t)
	db, err := admin.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `SET statement_timeout = 300`); err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	fill(t, admin, user, 200)

	release := make(chan struct{})
	locked := make(chan error, 1)
	n, err, after := errorsOf(stream.MinimalContacts(context.Background(), db, user, stream.Options{PageSize: 50}), func(i int) {
		if i != 60 {
			return
		}
		go func() {
			tx, err := admin.Beginx()
			if err == nil {
				_, err = tx.Exec(`LOCK TABLE kith.contacts IN ACCESS EXCLUSIVE MODE`)
			}
			locked <- err
			<-release
			if tx != nil {
				tx.Rollback()
			}
		}()
		// Page 3 must queue behind the lock: wait until the lock is held
		// or requested (it waits for page 2 if the server still sends it).
		waitFor(t, "the lock", func() bool {
			var n int
			admin.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_locks
				WHERE relation = 'kith.contacts'::regclass AND mode = 'AccessExclusiveLock'`).Scan(&n)
			return n > 0
		})
	})
	close(release)
	if lerr := <-locked; lerr != nil {
		t.Fatal(lerr)
	}
	if n != 100 || after != 0 || pgerr.Code(err) != pgerr.QueryCanceled {
		t.Fatalf("%d items, then %v, then %d; want 100 items then one 57014 error", n, err, after)
	}
	if !strings.Contains(err.Error(), "statement timeout") {
		t.Fatalf("error %q does not say statement timeout", err)
	}
	t.Logf("after %d items: %v", n, err)
}
