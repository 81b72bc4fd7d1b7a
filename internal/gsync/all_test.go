package gsync_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/fanout"
	"github.com/kithhq/kith/internal/gsync"
)

type userErr struct {
	id  uuid.UUID
	err error
}

func (e *userErr) Error() string { return fmt.Sprintf("user %s: %v", e.id, e.err) }
func (e *userErr) Unwrap() error { return e.err }

func seqOf(ids []uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(yield func(uuid.UUID, error) bool) {
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}

// All runs at most Concurrency users at once (and reaches it), tallies
// every user once, wraps each failure, and counts the kinds.
func TestAllBoundsAndTallies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ids := make([]uuid.UUID, 20)
		for i := range ids {
			ids[i] = uuid.New()
		}
		fails := map[uuid.UUID]error{ids[3]: gsync.ErrBusy, ids[7]: &gsync.RateLimitError{RetryAfter: time.Minute}, ids[11]: gsync.ErrAccessRevoked, ids[12]: errors.New("other")}
		var mu sync.Mutex
		running, peak, tallied, done := 0, 0, 0, 0
		counts, err := gsync.All(context.Background(), seqOf(ids), gsync.AllConfig[int]{
			Name: "test: all", Concurrency: 3,
			Run: func(ctx context.Context, id uuid.UUID) (int, error) {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				time.Sleep(time.Second) // the bubble's clock
				mu.Lock()
				running--
				mu.Unlock()
				return 1, fails[id]
			},
			Tally:     func(_ uuid.UUID, r int, _ error) { tallied += r },
			UserError: func(id uuid.UUID, err error) error { return &userErr{id, err} },
			Done: func(_ uuid.UUID, _ int, _ error, d, _ int) {
				mu.Lock()
				done = max(done, d)
				mu.Unlock()
			},
		})
		if peak != 3 || tallied != 20 || done != 20 {
			t.Errorf("peak %d, tallied %d, done %d", peak, tallied, done)
		}
		want := gsync.AllCounts{Counts: fanout.Counts{Started: 20, Succeeded: 16, Failed: 4}, Busy: 1, RateLimited: 1, Revoked: 1}
		counts.Duration = 0
		if counts != want {
			t.Errorf("counts %+v, want %+v", counts, want)
		}
		var ue *userErr
		if !errors.As(err, &ue) || !errors.Is(err, gsync.ErrBusy) || !errors.Is(err, gsync.ErrAccessRevoked) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 4 {
			t.Errorf("err %v", err)
		}
	})
}
