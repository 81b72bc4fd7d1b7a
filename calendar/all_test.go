package calendar_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/memguard"
)

func usersOf(ids ...uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(yield func(uuid.UUID, error) bool) {
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}

// addUser adds an account for a new user on e's fake, with contacts for
// its people, and returns the user.
func (e *syncEnv) addUser(acfg googlefake.AccountConfig) uuid.UUID {
	e.t.Helper()
	user := uuid.New()
	acfg.Anchor = anchor
	acct := e.srv.AddAccount(user.String(), acfg)
	o := newSyncEnvOn(e.t, e.db, e.srv, acct, user, calendar.Config{})
	o.importPeople(acfg.People, true)
	return user
}

// Many users, one revoked and one without a Google account: the others
// sync, each failure is a *UserError, progress sees every user.
func TestSyncAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 40, Events: 150}, calendar.Config{PageSize: 50})
	e.importPeople(40, true)
	users := []uuid.UUID{e.user}
	for range 4 {
		users = append(users, e.addUser(googlefake.AccountConfig{People: 30, Events: 100}))
	}
	revoked := e.addUser(googlefake.AccountConfig{People: 5, Events: 10})
	e.srv.Account(revoked.String()).Revoke()
	stranger := uuid.New() // no Google account: the token source fails
	users = append(users, revoked, stranger)

	var mu sync.Mutex
	var progress []calendar.Progress
	rep, err := e.syncer.SyncAll(ctx, usersOf(users...), calendar.AllOptions{Concurrency: 3, Progress: func(p calendar.Progress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}})
	t.Logf("%+v", rep)
	if rep.Started != 7 || rep.Succeeded != 5 || rep.Failed != 2 || rep.Revoked != 1 || rep.Calendars != 5 || rep.Moved == 0 || rep.Events == 0 {
		t.Errorf("report %+v", rep)
	}
	if !errors.Is(err, calendar.ErrAccessRevoked) {
		t.Errorf("err %v", err)
	}
	var failed []uuid.UUID
	for _, ue := range err.(interface{ Unwrap() []error }).Unwrap() {
		var u *calendar.UserError
		if !errors.As(ue, &u) {
			t.Errorf("not a *UserError: %v", ue)
			continue
		}
		failed = append(failed, u.UserID)
	}
	var tse *calendar.TokenSourceError
	if !slices.Contains(failed, revoked) || !slices.Contains(failed, stranger) || len(failed) != 2 || !errors.As(err, &tse) {
		t.Errorf("failed users %v, err %v", failed, err)
	}
	if len(progress) != 7 || progress[6].Done != 7 || progress[6].Failed != 2 {
		t.Errorf("progress %+v", progress)
	}
	events := 0
	for _, p := range progress {
		if (p.Err != nil) != (p.UserID == revoked || p.UserID == stranger) {
			t.Errorf("progress of %s: err %v", p.UserID, p.Err)
		}
		for _, c := range p.Report.Calendars {
			events += c.Events
		}
	}
	if events != rep.Events {
		t.Errorf("progress reports %d events, the report %d", events, rep.Events)
	}
	// Every user that succeeded has its primary calendar stored.
	for _, u := range users[:5] {
		if n := e.count(`SELECT count(*) FROM kith.calendar_events WHERE user_id = $1`, u); n == 0 {
			t.Errorf("user %s: no events stored", u)
		}
	}

	// A second round is incremental for everyone and finds every client
	// in the cache.
	before := e.syncer.CacheStats()
	rep, err = e.syncer.SyncAll(ctx, usersOf(users[:5]...), calendar.AllOptions{})
	if err != nil || rep.Succeeded != 5 || rep.Moved != 0 {
		t.Fatalf("second round %+v, %v", rep, err)
	}
	if st := e.syncer.CacheStats(); st.Hits-before.Hits < 5 || st.Misses != before.Misses {
		t.Errorf("cache before %+v after %+v", before, st)
	}
}

// Cancelling ctx stops SyncAll promptly: no new user starts, the running
// sync ends with the context's error.
func TestSyncAllCancel(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 10, Events: 200}, calendar.Config{PageSize: 50})
	other := e.addUser(googlefake.AccountConfig{People: 10, Events: 200})
	gate := googlefake.NewGate()
	defer gate.Release()
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Page: 2, Times: googlefake.Always, Fault: googlefake.Slow(gate)})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-gate.Arrived()
		cancel()
	}()
	var progress []calendar.Progress
	rep, err := e.syncer.SyncAll(ctx, usersOf(e.user, other, uuid.New()), calendar.AllOptions{
		Concurrency: 1,
		Progress:    func(p calendar.Progress) { progress = append(progress, p) },
	})
	if !errors.Is(err, context.Canceled) || rep.Started != 1 || rep.Failed != 1 || len(progress) != 1 {
		t.Errorf("report %+v, err %v", rep, err)
	}
	if len(progress) == 1 && (!errors.Is(progress[0].Err, context.Canceled) || progress[0].Report.Calendars[0].Pages != 1) {
		t.Errorf("the cancelled user: %+v", progress[0])
	}
	if n := e.srv.Hits(other.String(), ""); n != 0 {
		t.Errorf("%d requests of a user after the cancel", n)
	}
}

// SyncAll stops before a user when the breaker refuses, or when the
// users sequence fails; bad options are refused.
func TestSyncAllStops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{Events: 20}, calendar.Config{})
	// Checks: before user 1, its list's page 1, its calendar's page 1,
	// before user 2.
	b := &refusingBreaker{refuseAt: 4}
	s, err := calendar.New(e.db, calendar.Config{TokenSource: e.srv.TokenSourceFunc(), ClientOptions: e.srv.CalendarOptions(), Breaker: b})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.SyncAll(ctx, usersOf(e.user, uuid.New()), calendar.AllOptions{Concurrency: 1})
	var ue *calendar.UserError
	if !errors.Is(err, memguard.ErrMemoryPressure) || rep.Started != 1 || rep.Succeeded != 1 || errors.As(err, &ue) {
		t.Errorf("breaker: %+v %v", rep, err)
	}
	boom := errors.New("users table gone")
	rep, err = e.syncer.SyncAll(ctx, func(yield func(uuid.UUID, error) bool) { yield(uuid.Nil, boom) }, calendar.AllOptions{})
	if !errors.Is(err, boom) || rep.Started != 0 {
		t.Errorf("users error: %+v %v", rep, err)
	}
	if _, err := e.syncer.SyncAll(ctx, nil, calendar.AllOptions{}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("nil users: %v", err)
	}
	if _, err := e.syncer.SyncAll(ctx, usersOf(), calendar.AllOptions{Concurrency: -1}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("concurrency -1: %v", err)
	}
	// uuid.Nil among the users is that user's ErrInvalid, not the run's.
	rep, err = e.syncer.SyncAll(ctx, usersOf(uuid.Nil), calendar.AllOptions{})
	if !errors.As(err, &ue) || !errors.Is(err, calendar.ErrInvalid) || rep.Failed != 1 {
		t.Errorf("nil user: %+v %v", rep, err)
	}
}

// refusingBreaker refuses its refuseAt-th check and every later one.
type refusingBreaker struct {
	mu       sync.Mutex
	n        int
	refuseAt int
}

func (b *refusingBreaker) Check(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	if b.n >= b.refuseAt {
		return &memguard.PressureError{}
	}
	return nil
}

func (b *refusingBreaker) Level() memguard.Level { return memguard.LevelNormal }
