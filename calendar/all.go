package calendar

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
	// one database connection (its current calendar's lock) for its
	// whole sync.
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
	// Report is what SyncUser did for the user: on failure, what was
	// done before it (the pages written stay written).
	Report UserReport
	// Err is what SyncUser returned for the user (the *UserError's Err);
	// nil when the user succeeded.
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

// AllReport summarizes a [Syncer.SyncAll] call: counts of users,
// calendars, events and contacts, over every user started. It is
// complete when SyncAll returns, also when it stopped early (then it
// covers the users that had started). It is the zero AllReport when
// SyncAll refused its arguments (ErrInvalid).
type AllReport struct {
	// Started is the number of users whose SyncUser began; 0 when users
	// yielded none (or its first value was an error), or when the
	// Breaker or ctx stopped the call before the first user.
	Started int
	// Succeeded is how many of the Started users' SyncUser returned nil.
	Succeeded int
	// Failed is how many returned an error: each is one *UserError in
	// SyncAll's error. Succeeded + Failed = Started.
	Failed int
	// Busy is how many of the Failed users' errors matched ErrBusy
	// (another sync of one of their calendars, or of their calendar list,
	// was running): a job queue snoozes them. RateLimited counts those
	// matching ErrRateLimited (snooze for RetryAfter) and Revoked those
	// matching ErrAccessRevoked (drop the job, ask the user to connect
	// again). A user whose error matches several (two calendars failing
	// differently) is counted once, in the first of Busy, RateLimited,
	// Revoked it matches; users failing otherwise are in none. Each is 0
	// when no user failed that way.
	Busy        int
	RateLimited int
	Revoked     int
	// Calendars is the number of calendars whose events sync ran (or was
	// tried and failed), over every user: the length of each
	// UserReport.Calendars added up. The calendar list itself is not
	// counted. 0 when no user got past their calendar list, or none
	// selected a calendar.
	Calendars int
	// Events is the number of event entries read from Google in the pages
	// written, over every user and calendar (cancelled entries included;
	// Report.Events added up); calendar-list entries are not counted. An
	// incremental pass with nothing new reads 0.
	Events int
	// Meetings is the number of distinct meetings the users'
	// ApplyInteractions applied at the end of their SyncUser
	// (ApplyResult.Meetings added up): meetings that count under the Rules
	// and ended after the user's watermark (see ApplyInteractions), one
	// meeting held in two calendars counting once. 0 for a user whose
	// SyncUser stopped before that step (its calendar list failed, or ctx
	// ended).
	Meetings int
	// Moved is the number of contacts whose last-contact date moved
	// forward (ApplyResult.Moved added up). A contact whose date was
	// already as recent or more is not counted.
	Moved int
	// Duration is the wall time of the whole SyncAll call, waits for a
	// free slot included.
	Duration time.Duration
}

// A UserError is the failure of one user in [Syncer.SyncAll], which
// returns errors.Join of one UserError per failed user: get them with
// errors.As, or all of them through Unwrap() []error.
type UserError struct {
	UserID uuid.UUID
	Err    error // what SyncUser returned for the user
}

// Error names the package and the user once: "calendar: user <id>: " and
// the user's error, or, for an error matching ErrInvalid, "calendar:
// invalid: user <id>: " and what was invalid ("calendar: invalid: user
// 00000000-0000-0000-0000-000000000000: user_id: user ID is uuid.Nil").
func (e *UserError) Error() string {
	return fanout.UserErrorText("calendar", e.UserID, e.Err, ErrInvalid)
}

// Unwrap returns the user's error.
func (e *UserError) Unwrap() error { return e.Err }

// SyncAll runs [Syncer.SyncUser] for every user users yields, at most
// Concurrency at a time. Before starting each user it waits for a free
// slot and checks the Breaker.
//
// One user's failure (SyncUser's error: its calendar list, or one or
// more of its calendars) does not stop the others: each failure is a
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
// The Monitor records the whole call as "calendar.sync_all".
//
// SyncAll is for one process. To spread users across machines, run
// SyncUser as a per-user job on the host's queue (for example a River job
// unique by user ID): it is idempotent, takes each calendar's lock, and is
// bounded in time by its ctx and in memory by one page.
func (s *Syncer) SyncAll(ctx context.Context, users iter.Seq2[uuid.UUID, error], opts AllOptions) (AllReport, error) {
	var rep AllReport
	err := s.monitor.Wrap(ctx, "calendar.sync_all", func(ctx context.Context) error {
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
	counts, err := gsync.All(ctx, users, gsync.AllConfig[UserReport]{
		Name:        "calendar: sync all",
		Concurrency: conc,
		Breaker:     s.breaker,
		Run:         s.SyncUser,
		Tally: func(_ uuid.UUID, r UserReport, _ error) {
			rep.Calendars += len(r.Calendars)
			for _, c := range r.Calendars {
				rep.Events += c.Events
			}
			rep.Meetings += r.Interactions.Meetings
			rep.Moved += r.Interactions.Moved
		},
		UserError: func(userID uuid.UUID, err error) error { return &UserError{UserID: userID, Err: err} },
		Done: func(userID uuid.UUID, r UserReport, err error, done, failed int) {
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
