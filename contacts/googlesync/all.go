package googlesync

import (
	"context"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/fanout"
	"github.com/kithhq/kith/internal/gsync"
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

// Progress reports one finished user of [Syncer.SyncAll], to
// AllOptions.Progress.
type Progress struct {
	// UserID is the user who finished.
	UserID uuid.UUID
	// Report is what Sync did for the user: on failure, what was done
	// before it (the pages written stay written).
	Report Report
	// Err is what Sync returned for the user (the *UserError's Err); nil
	// when the user succeeded.
	Err error
	// Done is the number of users finished so far in this SyncAll call,
	// this one included: 1 for the first to finish, never 0. Calls may
	// arrive out of order (they are concurrent), so Done is not
	// increasing from one call to the next.
	Done int
	// Failed is how many of those Done users failed, this one included:
	// 0 while every user finished so far succeeded.
	Failed int
}

// AllReport summarizes a [Syncer.SyncAll] call: counts of users, pages
// and people, over every user started. It is complete when SyncAll
// returns, also when it stopped early (then it covers the users that had
// started). It is the zero AllReport when SyncAll refused its arguments
// (ErrInvalid).
type AllReport struct {
	// Started is the number of users whose Sync began; 0 when users
	// yielded none (or its first value was an error), or when the
	// Breaker or ctx stopped the call before the first user.
	Started int
	// Succeeded is how many of the Started users' Sync returned nil.
	Succeeded int
	// Failed is how many returned an error: each is one *UserError in
	// SyncAll's error. Succeeded + Failed = Started.
	Failed int
	// Busy is how many of the Failed users' errors matched ErrBusy
	// (another sync of the user was running): a job queue snoozes them.
	// RateLimited counts those matching ErrRateLimited (snooze for
	// RetryAfter) and Revoked those matching ErrAccessRevoked (drop the
	// job, ask the user to connect again). Users failing otherwise are in
	// none of them. Each is 0 when no user failed that way.
	Busy        int
	RateLimited int
	Revoked     int
	// People is the number of people read in the pages written, over
	// every user (Report.Seen added up: deleted and skipped ones
	// included). An incremental pass with nothing new reads 0.
	People int
	// Pages is the number of connections.list pages written, over every
	// user (Report.Pages added up).
	Pages int
	// Duration is the wall time of the whole SyncAll call, waits for a
	// free slot included.
	Duration time.Duration
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
	conc, err := fanout.Check("SyncAll", users, opts.Concurrency, DefaultConcurrency)
	if err != nil {
		return AllReport{}, invalid("%v", err)
	}
	var rep AllReport
	counts, err := gsync.All(ctx, users, gsync.AllConfig[Report]{
		Name:        "googlesync: sync all",
		Concurrency: conc,
		Breaker:     s.breaker,
		Run:         s.Sync,
		Tally: func(_ uuid.UUID, r Report, _ error) {
			rep.People += r.Seen
			rep.Pages += r.Pages
		},
		UserError: func(userID uuid.UUID, err error) error { return &UserError{UserID: userID, Err: err} },
		Done: func(userID uuid.UUID, r Report, err error, done, failed int) {
			if opts.Progress != nil {
				opts.Progress(Progress{UserID: userID, Report: r, Err: err, Done: done, Failed: failed})
			}
		},
	})
	rep.Started, rep.Succeeded, rep.Failed = counts.Started, counts.Succeeded, counts.Failed
	rep.Busy, rep.RateLimited, rep.Revoked = counts.Busy, counts.RateLimited, counts.Revoked
	rep.Duration = counts.Duration
	return rep, err
}
