package googlesync_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts/googlesync"
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

func TestSyncAll(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 25, pageSize: 10})
	users := []uuid.UUID{e.user}
	for range 3 {
		o := newEnv(t, envOptions{people: 15, pageSize: 10, db: e.db, srv: e.srv})
		users = append(users, o.user)
	}
	revoked := newEnv(t, envOptions{people: 5, db: e.db, srv: e.srv})
	revoked.acct.Revoke()
	stranger := uuid.New() // no Google account: the token source fails
	users = append(users, revoked.user, stranger)

	var mu sync.Mutex
	var progress []googlesync.Progress
	rep, err := e.syncer.SyncAll(ctx, usersOf(users...), googlesync.AllOptions{Concurrency: 2, Progress: func(p googlesync.Progress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}})
	if rep.Started != 6 || rep.Succeeded != 4 || rep.Failed != 2 || rep.Revoked != 1 || rep.People != 25+3*15 {
		t.Errorf("report %+v", rep)
	}
	if !errors.Is(err, googlesync.ErrAccessRevoked) {
		t.Errorf("err %v", err)
	}
	var failed []uuid.UUID
	for _, ue := range err.(interface{ Unwrap() []error }).Unwrap() {
		var u *googlesync.UserError
		if errors.As(ue, &u) {
			failed = append(failed, u.UserID)
		}
	}
	var tse *googlesync.TokenSourceError
	if !slices.Contains(failed, revoked.user) || !slices.Contains(failed, stranger) || !errors.As(err, &tse) {
		t.Errorf("failed users %v, err %v", failed, err)
	}
	if len(progress) != 6 || progress[5].Done != 6 || progress[5].Failed != 2 {
		t.Errorf("progress %+v", progress)
	}
	// A second round finds every client in the cache.
	before := e.syncer.CacheStats()
	if _, err := e.syncer.SyncAll(ctx, usersOf(users[:4]...), googlesync.AllOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := e.syncer.CacheStats(); st.Hits-before.Hits != 4 || st.Misses != before.Misses {
		t.Errorf("cache before %+v after %+v", before, st)
	}
}

// Cancelling ctx stops SyncAll promptly: no new user starts, running
// syncs end with the context's error.
func TestSyncAllCancel(t *testing.T) {
	e := newEnv(t, envOptions{people: 30, pageSize: 10})
	other := newEnv(t, envOptions{people: 30, pageSize: 10, db: e.db, srv: e.srv})
	gate := googlefake.NewGate()
	defer gate.Release()
	e.srv.Script(googlefake.Rule{Endpoint: googlefake.Connections, Page: 2, Times: googlefake.Always, Fault: googlefake.Slow(gate)})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-gate.Arrived()
		cancel()
	}()
	third := uuid.New()
	rep, err := e.syncer.SyncAll(ctx, usersOf(e.user, other.user, third), googlesync.AllOptions{Concurrency: 1})
	if !errors.Is(err, context.Canceled) || rep.Started != 1 || rep.Failed != 1 {
		t.Errorf("report %+v, err %v", rep, err)
	}
}

func TestSyncAllStops(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 5})
	b := &countingBreaker{refuseAt: 3} // checks: before user 1, its page 1, before user 2
	s, err := googlesync.New(e.db, googlesync.Config{TokenSource: e.srv.TokenSourceFunc(), ClientOptions: e.srv.PeopleOptions(), Breaker: b})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.SyncAll(ctx, usersOf(e.user, uuid.New()), googlesync.AllOptions{Concurrency: 1})
	if !errors.Is(err, memguard.ErrMemoryPressure) || rep.Started != 1 {
		t.Errorf("breaker: %+v %v", rep, err)
	}
	boom := errors.New("users table gone")
	rep, err = e.syncer.SyncAll(ctx, func(yield func(uuid.UUID, error) bool) { yield(uuid.Nil, boom) }, googlesync.AllOptions{})
	if !errors.Is(err, boom) || rep.Started != 0 {
		t.Errorf("users error: %+v %v", rep, err)
	}
	if _, err := e.syncer.SyncAll(ctx, nil, googlesync.AllOptions{}); !errors.Is(err, googlesync.ErrInvalid) {
		t.Errorf("nil users: %v", err)
	}
	if _, err := e.syncer.SyncAll(ctx, usersOf(), googlesync.AllOptions{Concurrency: -1}); !errors.Is(err, googlesync.ErrInvalid) {
		t.Errorf("concurrency -1: %v", err)
	}
	_ = time.Second
}
