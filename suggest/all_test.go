package suggest

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
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

// failFor makes the generator's stream fail for one user.
func failFor(g *Generator, bad uuid.UUID, err error) {
	inner := g.src
	g.src = func(ctx context.Context, db kith.DB, schema string, userID uuid.UUID, b memguard.Breaker, pageSize int) iter.Seq2[contacts.MinimalContact, error] {
		if userID == bad {
			return func(yield func(contacts.MinimalContact, error) bool) { yield(contacts.MinimalContact{}, err) }
		}
		return inner(ctx, db, schema, userID, b, pageSize)
	}
}

func TestGenerateAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	var users []uuid.UUID
	for i := range 6 {
		u := uuid.New()
		users = append(users, u)
		for j := range i + 1 {
			f.add(u, "c", contacts.FrequencyWeekly, day*(10+time.Duration(j)))
		}
	}
	bad := users[2]
	boom := errors.New("boom")
	failFor(f.g, bad, boom)

	var mu sync.Mutex
	seen := map[uuid.UUID]Progress{}
	maxDone := 0
	rep, err := f.g.GenerateAll(context.Background(), usersOf(users...), AllOptions{
		Concurrency: 3,
		Progress: func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			seen[p.UserID] = p
			maxDone = max(maxDone, p.Done)
		},
	})
	var ue *UserError
	joined, _ := err.(interface{ Unwrap() []error })
	if !errors.As(err, &ue) || !errors.Is(err, boom) || joined == nil || len(joined.Unwrap()) != 1 || ue.UserID != bad {
		t.Fatalf("err = %v", err)
	}
	if msg := err.Error(); strings.Count(msg, "suggest:") != 1 || !strings.Contains(msg, bad.String()) || !strings.HasSuffix(msg, ": boom") {
		t.Errorf("error text %q: want the package name once, the user and the cause", msg)
	}
	if rep.Started != 6 || rep.Succeeded != 5 || rep.Failed != 1 {
		t.Fatalf("report %+v", rep)
	}
	if len(seen) != 6 || maxDone != 6 || seen[bad].Err == nil {
		t.Fatalf("progress: %d users, max done %d", len(seen), maxDone)
	}
	for i, u := range users {
		want := i + 1
		if u == bad {
			want = 0
		}
		if got := len(f.pending(u)); got != want {
			t.Errorf("user %d: %d pending, want %d", i, got, want)
		}
		if u != bad && len(seen[u].Result.Suggestions) != want {
			t.Errorf("user %d: progress result has %d suggestions", i, len(seen[u].Result.Suggestions))
		}
	}
}

func TestGenerateAllStopsOnCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var yielded atomic.Int64
	endless := func(yield func(uuid.UUID, error) bool) {
		for {
			yielded.Add(1)
			if !yield(uuid.New(), nil) {
				return
			}
		}
	}
	rep, err := f.g.GenerateAll(ctx, endless, AllOptions{
		Concurrency: 2,
		Progress: func(p Progress) {
			if p.Done == 3 {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if rep.Started < 3 || rep.Started > 6 || int64(rep.Started) > yielded.Load() {
		t.Fatalf("started %d users (yielded %d)", rep.Started, yielded.Load())
	}
}

func TestGenerateAllChecksTheBreaker(t *testing.T) {
	t.Parallel()
	var b memguardtest.Breaker
	f := newFixture(t, Config{Breaker: &b})
	b.SetLevel(memguard.LevelHard)
	rep, err := f.g.GenerateAll(context.Background(), usersOf(uuid.New(), uuid.New()), AllOptions{})
	if !errors.Is(err, memguard.ErrMemoryPressure) || rep.Started != 0 {
		t.Fatalf("rep %+v, err %v", rep, err)
	}
}

func TestGenerateAllUsersError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	boom := errors.New("users table gone")
	u := uuid.New()
	users := func(yield func(uuid.UUID, error) bool) {
		if yield(u, nil) {
			yield(uuid.Nil, boom)
		}
	}
	rep, err := f.g.GenerateAll(context.Background(), users, AllOptions{})
	if !errors.Is(err, boom) || rep.Started != 1 || rep.Succeeded != 1 {
		t.Fatalf("rep %+v, err %v", rep, err)
	}
	if _, err := f.g.GenerateAll(context.Background(), users, AllOptions{Concurrency: -1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative concurrency: %v", err)
	}
}
