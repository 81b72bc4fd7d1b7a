package googlesync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// DefaultConcurrency is AllOptions.Concurrency's default.
const DefaultConcurrency = 4

// AllOptions configures [Syncer.SyncAll]. The zero value is valid.
type AllOptions struct {
	// Concurrency is how many users are synced at once. 0 means
	// DefaultConcurrency; negative is refused. Each running user holds
	// one database connection (its lock's) for its whole sync.
	Concurrency int

	// Progress, if set, is called once per finished user, successful or
	// not, from the goroutine that ran it: calls may be concurrent with
	// each other (make it safe for that) and are never made under a lock
	// of this package. A slow Progress delays that worker only.
	Progress func(Progress)
}

// Progress reports one finished user of [Syncer.SyncAll].
type Progress struct {
	UserID uuid.UUID
	Report Report // the user's report (what was done before a failure, too)
	Err    error  // the user's failure, nil on success
	Done   int    // users finished so far, this one included
	Failed int    // of which failed, this one included
}

// AllReport summarizes a [Syncer.SyncAll] call.
type AllReport struct {
	Started   int // users whose sync began
	Succeeded int // of which completed
	Failed    int // of which failed: each is a *UserError in the returned error
	// Busy, RateLimited and Revoked count the failed users whose error
	// was ErrBusy, ErrRateLimited and ErrAccessRevoked: the ones a job
	// queue snoozes or drops rather than retries.
	Busy        int
	RateLimited int
	Revoked     int
	People      int // people seen, over every user
	Pages       int // pages written, over every user
	Duration    time.Duration
}

// SyncAll runs [Syncer.Sync] for every user users yields, at most
// Concurrency at a time. Before starting each user it waits for a free
// slot and checks the Breaker.
//
// One user's failure does not stop the others: each failure is a
// *UserError, counted in AllReport.Failed. SyncAll stops starting users,
// waits for those running, and returns when users is exhausted, users
// yields an error, the Breaker refuses (its error is returned, matching
// memguard.ErrMemoryPressure: retry later), or ctx ends (ctx's error is
// returned; running syncs stop promptly, keeping the pages they wrote).
// The returned error is errors.Join of the reason for stopping early, if
// any, and the *UserErrors in order of completion: errors.Is looks through
// all of them (errors.Is(err, ErrAccessRevoked) is true if any user's
// access was revoked), errors.As finds the first *UserError, and Unwrap()
// []error lists them all. It is nil when every user succeeded.
//
// SyncAll is for one process. To spread users across machines, run Sync
// as a per-user job on the host's queue (for example a River job unique by
// user ID): it is idempotent, takes the user's lock, and is bounded in
// time by its ctx and in memory by one page.
func (s *Syncer) SyncAll(ctx context.Context, users iter.Seq2[uuid.UUID, error], opts AllOptions) (AllReport, error) {
	var rep AllReport
	err := s.monitor.Wrap(ctx, "googlesync.sync_all", func(ctx context.Context) error {
		var err error
		rep, err = s.syncAll(ctx, users, opts)
		return err
	})
	return rep, err
}

func (s *Syncer) syncAll(ctx context.Context, users iter.Seq2[uuid.UUID, error], opts AllOptions) (AllReport, error) {
	start := time.Now()
	conc := opts.Concurrency
	switch {
	case conc == 0:
		conc = DefaultConcurrency
	case conc < 0:
		return AllReport{}, invalid("AllOptions.Concurrency %d: must be >= 0", conc)
	}
	if users == nil {
		return AllReport{}, invalid("SyncAll: nil users sequence")
	}
	var (
		eg       errgroup.Group // no WithContext: one failure must not cancel the others
		sem      = semaphore.NewWeighted(int64(conc))
		mu       sync.Mutex // guards rep, doneN and userErrs
		doneN    int
		rep      AllReport
		userErrs []error
		stopErr  error
		started  int
	)
	for userID, err := range users {
		if err != nil {
			stopErr = fmt.Errorf("googlesync: sync all: reading users: %w", err)
			break
		}
		if err := sem.Acquire(ctx, 1); err != nil {
			stopErr = fmt.Errorf("googlesync: sync all: %w", err)
			break
		}
		if err := ctx.Err(); err != nil { // Acquire may win the race with cancellation
			sem.Release(1)
			stopErr = fmt.Errorf("googlesync: sync all: %w", err)
			break
		}
		if err := s.breaker.Check(ctx); err != nil {
			sem.Release(1)
			stopErr = fmt.Errorf("googlesync: sync all: before user %s: %w", userID, err)
			break
		}
		started++
		eg.Go(func() error {
			defer sem.Release(1)
			r, err := s.Sync(ctx, userID)
			p := Progress{UserID: userID, Report: r, Err: err}
			mu.Lock()
			doneN++
			rep.People += r.Seen
			rep.Pages += r.Pages
			if err != nil {
				rep.Failed++
				switch {
				case errors.Is(err, ErrBusy):
					rep.Busy++
				case errors.Is(err, ErrRateLimited):
					rep.RateLimited++
				case errors.Is(err, ErrAccessRevoked):
					rep.Revoked++
				}
				userErrs = append(userErrs, &UserError{UserID: userID, Err: err})
			} else {
				rep.Succeeded++
			}
			p.Done, p.Failed = doneN, rep.Failed
			mu.Unlock()
			if opts.Progress != nil {
				opts.Progress(p) // outside the lock
			}
			return nil
		})
	}
	_ = eg.Wait() // workers never return errors; failures are in rep
	rep.Started, rep.Duration = started, time.Since(start)
	return rep, errors.Join(append([]error{stopErr}, userErrs...)...)
}
