// Package fanout runs one function per user over a sequence of users with
// bounded concurrency: the loop every "many users" call of kith shares
// (googlesync and calendar SyncAll through internal/gsync, suggest's
// GenerateAll). It knows nothing of Google or of suggestions: the caller
// tallies its own report, wraps each failure in its own *UserError and
// calls its own Progress.
package fanout

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/kithhq/kith/memguard"
)

// Config is what [Run] runs for each user and how it gathers the
// outcomes into the calling package's own report, Progress and
// *UserError. R is the package's per-user result.
type Config[R any] struct {
	// Name starts the texts of the errors that stop Run early, as
	// "<Name>: reading users: ...": "googlesync: sync all".
	Name string
	// Concurrency is how many users run at once, as Check returned it.
	Concurrency int
	// Breaker is checked before each user starts; nil means none.
	Breaker memguard.Breaker
	// Run runs one user. It is called with Run's ctx.
	Run func(ctx context.Context, userID uuid.UUID) (R, error)
	// Tally adds a finished user's result to the caller's totals. Calls
	// are made under Run's lock, one at a time, before Done's.
	Tally func(userID uuid.UUID, r R, err error)
	// UserError wraps a failed user's error: the package's *UserError.
	UserError func(userID uuid.UUID, err error) error
	// Done, if set, is called once per finished user from the goroutine
	// that ran it, outside Run's lock (so calls may be concurrent), with
	// the users finished so far and the failed among them, this one
	// included: the package's Progress callback.
	Done func(userID uuid.UUID, r R, err error, done, failed int)
}

// Counts counts the users of one [Run] call by outcome.
type Counts struct {
	Started   int // users whose run began
	Succeeded int // of which completed
	Failed    int // of which failed: each is a UserError in Run's error
	Duration  time.Duration
}

// Check validates the arguments of a many-users call (method names it:
// "SyncAll"): it returns the concurrency to use (def for 0), or an error
// naming AllOptions.Concurrency or the nil sequence, for the package to
// wrap in its ErrInvalid.
func Check(method string, users iter.Seq2[uuid.UUID, error], concurrency, def int) (int, error) {
	switch {
	case concurrency == 0:
		concurrency = def
	case concurrency < 0:
		return 0, fmt.Errorf("AllOptions.Concurrency %d: must be >= 0", concurrency)
	}
	if users == nil {
		return 0, fmt.Errorf("%s: nil users sequence", method)
	}
	return concurrency, nil
}

// Run runs cfg.Run for every user users yields, at most cfg.Concurrency
// at a time (golang.org/x/sync's semaphore and errgroup). Before starting
// each user it waits for a free slot and checks the Breaker.
//
// One user's failure does not stop the others: it is tallied, counted in
// Counts.Failed and wrapped by cfg.UserError. Run stops starting users,
// waits for those running, and returns when users is exhausted, users
// yields an error, the Breaker refuses, or ctx ends (running users see the
// same ctx and stop promptly). The error is errors.Join of the reason for
// stopping early, if any, and the user errors in order of completion; nil
// when every user succeeded.
func Run[R any](ctx context.Context, users iter.Seq2[uuid.UUID, error], cfg Config[R]) (Counts, error) {
	start := time.Now()
	breaker := cfg.Breaker
	if breaker == nil {
		breaker = memguard.Nop()
	}
	var (
		eg       errgroup.Group // no WithContext: one failure must not cancel the others
		sem      = semaphore.NewWeighted(int64(max(cfg.Concurrency, 1)))
		mu       sync.Mutex // guards counts, userErrs and cfg.Tally's state
		counts   Counts
		doneN    int
		userErrs []error
		stopErr  error
	)
	for userID, err := range users {
		if err != nil {
			stopErr = fmt.Errorf("%s: reading users: %w", cfg.Name, err)
			break
		}
		if err := sem.Acquire(ctx, 1); err != nil {
			stopErr = fmt.Errorf("%s: %w", cfg.Name, err)
			break
		}
		if err := ctx.Err(); err != nil { // Acquire may win the race with cancellation
			sem.Release(1)
			stopErr = fmt.Errorf("%s: %w", cfg.Name, err)
			break
		}
		if err := breaker.Check(ctx); err != nil {
			sem.Release(1)
			stopErr = fmt.Errorf("%s: before user %s: %w", cfg.Name, userID, err)
			break
		}
		counts.Started++
		eg.Go(func() error {
			defer sem.Release(1)
			r, err := cfg.Run(ctx, userID)
			mu.Lock()
			doneN++
			if cfg.Tally != nil {
				cfg.Tally(userID, r, err)
			}
			if err != nil {
				counts.Failed++
				ue := err
				if cfg.UserError != nil {
					ue = cfg.UserError(userID, err)
				}
				userErrs = append(userErrs, ue)
			} else {
				counts.Succeeded++
			}
			done, failed := doneN, counts.Failed
			mu.Unlock()
			if cfg.Done != nil {
				cfg.Done(userID, r, err, done, failed) // outside the lock
			}
			return nil
		})
	}
	_ = eg.Wait() // workers never return errors; failures are in userErrs
	counts.Duration = time.Since(start)
	return counts, errors.Join(append([]error{stopErr}, userErrs...)...)
}

// UserErrorText is the text of a package's *UserError: the user named
// once and the package once. An error matching one of the package's
// sentinels and starting with its text reads "<sentinel>: user <id>: "
// and the rest ("calendar: invalid: user <id>: ...", also for a text
// such as "calendar: invalid user_id: ..."); one starting with
// "<pkg>: " reads "<pkg>: user <id>: " and the rest; any other
// "<pkg>: user <id>: " and its text.
func UserErrorText(pkg string, userID uuid.UUID, err error, sentinels ...error) string {
	msg := err.Error()
	user := "user " + userID.String()
	for _, s := range sentinels {
		if rest, ok := strings.CutPrefix(msg, s.Error()); ok && errors.Is(err, s) {
			if !strings.HasPrefix(rest, ":") {
				rest = ":" + rest // "invalid user_id: …" reads "invalid: user <id>: user_id: …"
			}
			return s.Error() + ": " + user + rest
		}
	}
	if rest, ok := strings.CutPrefix(msg, pkg+": "); ok {
		return pkg + ": " + user + ": " + rest
	}
	return pkg + ": " + user + ": " + msg
}
