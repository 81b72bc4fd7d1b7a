package gsync

import (
	"context"
	"errors"
	"iter"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/fanout"
)

// AllConfig is what [All] runs for each user and how it gathers the
// outcomes into the calling package's own report, Progress and
// *UserError (see fanout.Config). R is the package's per-user report.
type AllConfig[R any] = fanout.Config[R]

// AllCounts counts the users of one [All] call by outcome.
type AllCounts struct {
	fanout.Counts // Started, Succeeded, Failed, Duration
	// Busy, RateLimited and Revoked count the failed users whose error
	// matched ErrBusy, ErrRateLimited and ErrAccessRevoked.
	Busy, RateLimited, Revoked int
}

// All runs a sync's SyncAll: fanout.Run (bounded concurrency, the breaker
// before each user, the stop on cancellation, errors.Join of the user
// errors), counting besides the failures of the kinds a job queue snoozes
// or drops. Check the arguments first with fanout.Check.
func All[R any](ctx context.Context, users iter.Seq2[uuid.UUID, error], cfg AllConfig[R]) (AllCounts, error) {
	var counts AllCounts
	tally := cfg.Tally
	cfg.Tally = func(userID uuid.UUID, r R, err error) { // under fanout's lock
		if tally != nil {
			tally(userID, r, err)
		}
		switch {
		case err == nil:
		case errors.Is(err, ErrBusy):
			counts.Busy++
		case errors.Is(err, ErrRateLimited):
			counts.RateLimited++
		case errors.Is(err, ErrAccessRevoked):
			counts.Revoked++
		}
	}
	var err error
	counts.Counts, err = fanout.Run(ctx, users, cfg)
	return counts, err
}
