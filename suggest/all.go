package suggest

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/fanout"
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
	conc, err := fanout.Check("GenerateAll", users, opts.Concurrency, DefaultConcurrency)
	if err != nil {
		return Report{}, invalid("%v", err)
	}
	var rep Report
	counts, err := fanout.Run(ctx, users, fanout.Config[Result]{
		Name:        "suggest: generate all",
		Concurrency: conc,
		Breaker:     g.breaker,
		Run: func(ctx context.Context, userID uuid.UUID) (Result, error) {
			loc, err := opts.location(ctx, userID)
			if err != nil {
				return Result{}, err
			}
			return g.Generate(ctx, userID, loc)
		},
		Tally: func(_ uuid.UUID, r Result, err error) {
			if err == nil && r.Superseded {
				rep.Superseded++
			}
		},
		UserError: func(userID uuid.UUID, err error) error { return &UserError{UserID: userID, Err: err} },
		Done: func(userID uuid.UUID, r Result, err error, done, failed int) {
			if opts.Progress == nil {
				return
			}
			if err != nil {
				r = Result{UserID: userID}
			}
			opts.Progress(Progress{UserID: userID, Result: r, Err: err, Done: done, Failed: failed})
		},
	})
	rep.Started, rep.Succeeded, rep.Failed, rep.Duration = counts.Started, counts.Succeeded, counts.Failed, counts.Duration
	return rep, err
}
