package gsync

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/kithtest"
)

type testPanicked struct{}

func (testPanicked) Error() string    { return "test: the sync panicked" }
func (testPanicked) SafeText() string { return "test: the sync panicked" }

func TestRunner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	r := &Runner{Pool: db, Ledger: newLedger(t, "", clk), Panicked: testPanicked{},
		Private: func(err error, step string) error { return fmt.Errorf("test: %s: %w", step, err) }}
	user := uuid.New()
	const res = "people"
	key := LockKey("kith", user, res)

	// A first run: no token, so Full; the body holds the lock on its
	// connection and saves a token; Record's kind and counts are kept.
	err := r.Run(ctx, RunSpec{UserID: user, Resource: res, ParamsKey: "k1",
		Body: func(ctx context.Context, s Session) error {
			if s.Kind != Full || s.Token != "" || s.ParamsChanged {
				t.Errorf("first session = %+v", s)
			}
			if n := heldBy(t, db, key); n != 1 {
				t.Errorf("lock held by %d sessions during the body, want 1", n)
			}
			// Another run of the same (user, resource) meanwhile: ErrBusy.
			err := r.Run(ctx, RunSpec{UserID: user, Resource: res,
				Body:   func(context.Context, Session) error { t.Error("second body ran"); return nil },
				Record: func() (Kind, map[string]int64) { return Full, nil }})
			if !errors.Is(err, ErrBusy) {
				t.Errorf("concurrent run: %v, want ErrBusy", err)
			}
			return r.Ledger.SaveToken(ctx, s.Conn, user, res, StoredToken("k1", "tok"), Full)
		},
		Record: func() (Kind, map[string]int64) { return Full, map[string]int64{"pages": 3} }})
	if err != nil {
		t.Fatal(err)
	}
	if n := heldBy(t, db, key); n != 0 {
		t.Fatalf("lock held by %d sessions after the run", n)
	}
	st, err := r.Ledger.Status(ctx, db, user, res)
	if err != nil || st.LastRun == nil || st.LastRun.Outcome != Succeeded || st.LastRun.Counts["pages"] != 3 {
		t.Fatalf("status after the first run = %+v, %v", st, err)
	}

	// The token is used with its key, and the kind Record returns is the
	// one recorded (an expired token made the run a full pass).
	err = r.Run(ctx, RunSpec{UserID: user, Resource: res, ParamsKey: "k1",
		Body: func(ctx context.Context, s Session) error {
			if s.Kind != Incremental || s.Token != "tok" || s.ParamsChanged {
				t.Errorf("second session = %+v", s)
			}
			return nil
		},
		Record: func() (Kind, map[string]int64) { return Full, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Ledger.Status(ctx, db, user, res); st.LastRun.Kind != Full {
		t.Fatalf("recorded kind %q, want the one Record returned (full)", st.LastRun.Kind)
	}

	// Another key: the token is not used.
	err = r.Run(ctx, RunSpec{UserID: user, Resource: res, ParamsKey: "k2",
		Body: func(ctx context.Context, s Session) error {
			if s.Kind != Full || s.Token != "" || !s.ParamsChanged {
				t.Errorf("session with another key = %+v", s)
			}
			return errors.New("boom")
		},
		Record: func() (Kind, map[string]int64) { return Full, nil }})
	if err == nil || err.Error() != "boom" {
		t.Fatalf("body error = %v, want it as returned", err)
	}

	// A panicking body: recorded as failed with Panicked's text, the
	// panic goes on up, the lock is released.
	func() {
		defer func() {
			if p := recover(); p != "host bug" {
				t.Errorf("recovered %v, want the body's panic", p)
			}
		}()
		_ = r.Run(ctx, RunSpec{UserID: user, Resource: res, ParamsKey: "k1",
			Body:   func(context.Context, Session) error { panic("host bug") },
			Record: func() (Kind, map[string]int64) { return Incremental, nil }})
		t.Error("Run returned after a panic")
	}()
	st, err = r.Ledger.Status(ctx, db, user, res)
	if err != nil || st.LastRun.Outcome != Failed || st.LastRun.Error != "test: the sync panicked" {
		t.Fatalf("status after a panic = %+v (last run %+v), %v", st, st.LastRun, err)
	}
	if n := heldBy(t, db, key); n != 0 {
		t.Fatalf("lock held by %d sessions after a panic", n)
	}
}

func TestLoadedToken(t *testing.T) {
	for _, c := range []struct {
		stored, tok string
		changed     bool
	}{
		{"", "", false},
		{StoredToken("k", "a:b"), "a:b", false},
		{StoredToken("other", "a"), "", true},
		{"no-key", "", true},
		{"k:", "", true},
	} {
		if tok, changed := LoadedToken("k", c.stored); tok != c.tok || changed != c.changed {
			t.Errorf("LoadedToken(k, %q) = %q, %v; want %q, %v", c.stored, tok, changed, c.tok, c.changed)
		}
	}
}
