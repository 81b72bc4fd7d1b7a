package suggest

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

// AllOptions configures [Generator.GenerateAll]. The zero value is valid.
type AllOptions struct {
	// Concurrency is how many users are generated at once. 0 means
	// DefaultConcurrency; negative is refused. Each running user holds at
	// most one database connection at a time.
	Concurrency int

	// Progress, if set, is called once per finished user, successful or
	// not, from the goroutine that ran it: calls may be concurrent with
	// each other (make it safe for that) and are never made under a lock
	// of this package. A slow Progress delays that worker only.
	Progress func(Progress)

	// Location returns a user's time zone, looked up by the host (say
	// time.LoadLocation of the zone stored with the user) just before the
	// user's run. nil, or a nil *time.Location returned, means UTC; an
	// error fails that user only. It is called from the worker goroutines,
	// concurrently.
	Location func(ctx context.Context, userID uuid.UUID) (*time.Location, error)
}

// Progress reports one finished user of [Generator.GenerateAll].
type Progress struct {
	UserID uuid.UUID
	Result Result // the user's result; zero but for UserID if Err != nil
	Err    error  // the user's failure, nil on success
	Done   int    // users finished so far, this one included
	Failed int    // of which failed, this one included
}

// Report summarizes a [Generator.GenerateAll] call.
type Report struct {
	Started    int           // users whose generation began
	Succeeded  int           // of which completed (superseded ones included)
	Superseded int           // of which found a newer run's set and wrote nothing
	Failed     int           // of which failed: each is a *UserError in the returned error
	Duration   time.Duration // wall time
}

func (o AllOptions) location(ctx context.Context, userID uuid.UUID) (*time.Location, error) {
	if o.Location == nil {
		return nil, nil
	}
	loc, err := o.Location(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("time zone look-up: %w", err)
	}
	return loc, nil
}

// GenerateAll runs [Generator.Generate] for every user users yields, at
// most Concurrency at a time, each in the time zone opts.Location returns
// for it (UTC without one). Before starting each user it waits for a free
// slot and checks the Breaker.
//
// One user's failure does not stop the others: each failure is a
// *UserError, counted in Report.Failed. GenerateAll stops starting users,
// waits for those running, and returns when users is exhausted, users
// yields an error, the Breaker refuses (its error is returned, matching
// memguard.ErrMemoryPressure: retry later), or ctx ends (ctx's error is
// returned; running users stop promptly). The returned error is
// errors.Join of the reason for stopping early, if any, and the
// *UserErrors in order of completion: errors.Is looks through all of them
// (errors.Is(err, memguard.ErrMemoryPressure) is true if any user was
// refused for memory), errors.As finds the first *UserError, and
// Unwrap() []error lists them all. It is nil when every user succeeded.
// Each user's write is one transaction, so a stop never leaves a user with
// half a set.
//
// GenerateAll is for one process. To spread users across machines, run
// Generate as a per-user job on the host's queue (for example a River job
// unique by user ID): it is idempotent and bounded in time by its ctx and
// in memory by the Generator's configuration.
func (g *Generator) GenerateAll(ctx context.Context, users iter.Seq2[uuid.UUID, error], opts AllOptions) (Report, error) {
	var rep Report
	err := g.monitor.Wrap(ctx, "suggest.generate_all", func(ctx context.Context) error {
		var err error
		rep, err = g.generateAll(ctx, users, opts)
		return err
	})
	return rep, err
}

func (g *Generator) generateAll(ctx context.Context, users iter.Seq2[uuid.UUID, error], opts AllOptions) (Report, error) {
	start := time.Now()
	conc := opts.Concurrency
	switch {
	case conc == 0:
		conc = DefaultConcurrency
	case conc < 0:
		return Report{}, invalid("AllOptions.Concurrency %d: must be >= 0", conc)
	}
	if users == nil {
		return Report{}, invalid("GenerateAll: nil users sequence")
	}

	var (
		eg       errgroup.Group // no WithContext: one failure must not cancel the others
		sem      = semaphore.NewWeighted(int64(conc))
		mu       sync.Mutex // guards rep, doneN and userErrs below
		doneN    int
		rep      Report
		userErrs []error // *UserError, in order of completion
		stopErr  error
		started  int
		finished = func(p Progress) {
			if opts.Progress != nil {
				opts.Progress(p)
			}
		}
	)
	for userID, err := range users {
		if err != nil {
			stopErr = fmt.Errorf("suggest: generate all: reading users: %w", err)
			break
		}
		if err := sem.Acquire(ctx, 1); err != nil {
			stopErr = fmt.Errorf("suggest: generate all: %w", err)
			break
		}
		if err := ctx.Err(); err != nil { // Acquire may win the race with cancellation
			sem.Release(1)
			stopErr = fmt.Errorf("suggest: generate all: %w", err)
			break
		}
		if err := g.breaker.Check(ctx); err != nil {
			sem.Release(1)
			stopErr = fmt.Errorf("suggest: generate all: before user %s: %w", userID, err)
			break
		}
		started++
		eg.Go(func() error {
			defer sem.Release(1)
			var res Result
			loc, err := opts.location(ctx, userID)
			if err == nil {
				res, err = g.Generate(ctx, userID, loc)
			}
			p := Progress{UserID: userID, Result: res, Err: err}
			mu.Lock()
			doneN++
			if err != nil {
				p.Result = Result{UserID: userID}
				rep.Failed++
				userErrs = append(userErrs, &UserError{UserID: userID, Err: err})
			} else {
				rep.Succeeded++
				if res.Superseded {
					rep.Superseded++
				}
			}
			p.Done, p.Failed = doneN, rep.Failed
			mu.Unlock()
			finished(p) // outside the lock
			return nil
		})
	}
	_ = eg.Wait() // workers never return errors; failures are in rep
	rep.Started, rep.Duration = started, time.Since(start)
	return rep, errors.Join(append([]error{stopErr}, userErrs...)...)
}
