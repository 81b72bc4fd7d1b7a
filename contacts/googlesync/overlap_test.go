package googlesync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/memguard"
)

// fetcherGoroutines counts the goroutines fetching pages ahead of the
// writes (googlesync's fetchAhead).
func fetcherGoroutines(t *testing.T) int {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		t.Fatal(err)
	}
	return strings.Count(buf.String(), "googlesync.(*Syncer).fetchAhead.func")
}

// pageBreaker admits every page and runs check before admitting.
type pageBreaker struct {
	mu    sync.Mutex
	calls int
	check func(call int) error
}

func (b *pageBreaker) Check(ctx context.Context) error {
	b.mu.Lock()
	b.calls++
	n := b.calls
	b.mu.Unlock()
	return b.check(n)
}

func (b *pageBreaker) Level() memguard.Level { return memguard.LevelNormal }

// Page N+1 is fetched while page N is written, never further ahead: when
// the breaker is asked for page k, pages 1..k-2 are committed.
func TestFetchesOnePageAhead(t *testing.T) {
	ctx := context.Background()
	const n, size = 95, 20 // 5 pages
	var e *env
	var bad []string
	br := &pageBreaker{}
	br.check = func(call int) error {
		var have int
		if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM kith.contacts WHERE user_id = $1`, e.user).Scan(&have); err != nil {
			return err
		}
		if want := (call - 2) * size; call > 2 && have < want {
			bad = append(bad, fmt.Sprintf("page %d fetched with %d contacts written (want >= %d)", call, have, want))
		}
		return nil
	}
	e = newEnv(t, envOptions{people: n, pageSize: size, seed: 5, cfg: func(c *googlesync.Config) { c.Breaker = br }})
	rep := e.sync(ctx)
	if rep.Pages != 5 || rep.Inserted != n || br.calls != 5 {
		t.Fatalf("report %+v, %d breaker checks", rep, br.calls)
	}
	if len(bad) > 0 {
		t.Error(strings.Join(bad, "\n"))
	}
	if g := fetcherGoroutines(t); g != 0 {
		t.Errorf("%d fetching goroutines left", g)
	}
}

// A page write that fails while the next page is fetched (or held) ends
// the sync: no token, the fetching goroutine gone, and the rerun after the
// fault is gone ends as an uninterrupted sync.
func TestWriteFailureStopsFetching(t *testing.T) {
	ctx := context.Background()
	const seed, n, size = 6, 95, 20
	ref := newEnv(t, envOptions{people: n, pageSize: size, seed: seed})
	ref.sync(ctx)
	want := ref.state()

	e := newEnv(t, envOptions{people: n, pageSize: size, seed: seed, db: ref.db, srv: ref.srv})
	// Person 45 is on page 3 (a full pass lists people in index order);
	// the database refuses its contact.
	for _, q := range []string{
		`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN IF NEW.google_resource_name = '` + e.acct.ResourceName(45) + `' THEN RAISE EXCEPTION 'refused'; END IF;
		 RETURN NEW; END $$`,
		`CREATE TRIGGER refuse BEFORE INSERT ON kith.contacts FOR EACH ROW EXECUTE FUNCTION refuse()`,
	} {
		if _, err := e.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		e.db.ExecContext(ctx, `DROP TRIGGER IF EXISTS refuse ON kith.contacts; DROP FUNCTION IF EXISTS refuse()`)
	})
	rep, err := e.syncer.Sync(ctx, e.user)
	if err == nil || rep.Pages != 2 {
		t.Fatalf("sync with a refused page: %v, report %+v", err, rep)
	}
	if g := fetcherGoroutines(t); g != 0 {
		t.Errorf("%d fetching goroutines left after a failed write", g)
	}
	st, err := e.syncer.Status(ctx, e.user)
	if err != nil || st.LastRun == nil || st.LastRun.Outcome != "failure" {
		t.Errorf("status: %+v, %v", st, err)
	}
	if _, err := e.db.ExecContext(ctx, `DROP TRIGGER refuse ON kith.contacts`); err != nil {
		t.Fatal(err)
	}
	if rep := e.sync(ctx); rep.Kind != googlesync.Full || rep.Pages != 5 {
		t.Errorf("rerun: %+v", rep)
	}
	if got := e.state(); got != want {
		t.Errorf("state after the failure and rerun differs:\n%s\nwant\n%s", got, want)
	}
}

// A cancelled sync stops fetching and writing at once, leaving no
// goroutine, whichever page it is cancelled on.
func TestCancelStopsFetching(t *testing.T) {
	const n, size = 95, 20
	for page := 1; page <= 5; page++ {
		t.Run(fmt.Sprint("page", page), func(t *testing.T) {
			e := newEnv(t, envOptions{people: n, pageSize: size, seed: 8})
			crashAt(t, e, googlefake.FullChain, page)
			if g := fetcherGoroutines(t); g != 0 {
				t.Errorf("%d fetching goroutines left", g)
			}
		})
	}
}

// A breaker refusing page 3 ends the sync with its error after pages 1
// and 2 are written, and nothing fetched beyond.
func TestBreakerRefusalStopsFetching(t *testing.T) {
	ctx := context.Background()
	refusal := errors.New("refused")
	br := &pageBreaker{check: func(call int) error {
		if call == 3 {
			return refusal
		}
		return nil
	}}
	e := newEnv(t, envOptions{people: 95, pageSize: 20, seed: 9, cfg: func(c *googlesync.Config) { c.Breaker = br }})
	rep, err := e.syncer.Sync(ctx, e.user)
	if !errors.Is(err, refusal) || rep.Pages != 2 || br.calls != 3 {
		t.Errorf("err %v, report %+v, %d checks", err, rep, br.calls)
	}
	if g := fetcherGoroutines(t); g != 0 {
		t.Errorf("%d fetching goroutines left", g)
	}
}
