package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kithhq/kith/internal/gsync"
)

// Kinds of the sync jobs.
const (
	KindContactsSync = "kith.sync.contacts"
	KindCalendarSync = "kith.sync.calendar"
)

// A SyncFunc runs one user's sync: the Sync method of a sync package's
// Syncer, adapted by [Sync]. Its errors are the syncs' (matching the
// sentinels both contacts/googlesync and calendar re-export: ErrBusy,
// ErrAccessRevoked, ErrRateLimited with *RateLimitError, ErrGoogle with
// *APIError), memguard.ErrMemoryPressure, or the context's.
type SyncFunc func(ctx context.Context, userID uuid.UUID) error

// Sync adapts a sync package's Sync method to a SyncFunc, dropping its
// report:
//
//	jobs.Config{ContactsSync: jobs.Sync(contactsSyncer.Sync), CalendarSync: jobs.Sync(calendarSyncer.SyncUser)}
func Sync[R any](sync func(ctx context.Context, userID uuid.UUID) (R, error)) SyncFunc {
	if sync == nil {
		return nil
	}
	return func(ctx context.Context, userID uuid.UUID) error {
		_, err := sync(ctx, userID)
		return err
	}
}

// ContactsSyncArgs asks for one user's Google Contacts sync
// (Config.ContactsSync). Unique per user while active.
type ContactsSyncArgs struct {
	UserID uuid.UUID `json:"user_id" river:"unique"`
}

// Kind is KindContactsSync.
func (ContactsSyncArgs) Kind() string { return KindContactsSync }

// InsertOpts is as [SuggestArgs.InsertOpts].
func (ContactsSyncArgs) InsertOpts() river.InsertOpts { return *perUserOpts(DefaultMaxAttempts) }

func (a ContactsSyncArgs) user() uuid.UUID { return a.UserID }

// CalendarSyncArgs asks for one user's Google Calendar sync
// (Config.CalendarSync). Unique per user while active.
type CalendarSyncArgs struct {
	UserID uuid.UUID `json:"user_id" river:"unique"`
}

// Kind is KindCalendarSync.
func (CalendarSyncArgs) Kind() string { return KindCalendarSync }

// InsertOpts is as [SuggestArgs.InsertOpts].
func (CalendarSyncArgs) InsertOpts() river.InsertOpts { return *perUserOpts(DefaultMaxAttempts) }

func (a CalendarSyncArgs) user() uuid.UUID { return a.UserID }

type userArgs interface {
	river.JobArgs
	user() uuid.UUID
}

// syncWorker runs a SyncFunc for a user and tells River what its outcome
// means (see syncOutcome).
type syncWorker[A userArgs] struct {
	river.WorkerDefaults[A]
	j        *Jobs
	run      SyncFunc
	kind     string
	pipeline string // its profile label (labels.go)
}

func (w *syncWorker[A]) Timeout(*river.Job[A]) time.Duration { return w.j.cfg.SyncTimeout }

func (w *syncWorker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	user := job.Args.user()
	if user == uuid.Nil {
		return river.JobCancel(invalid("job %d: user ID is uuid.Nil", job.ID))
	}
	return labelled(ctx, w.pipeline, user, func(ctx context.Context) error { return w.work(ctx, job, user) })
}

func (w *syncWorker[A]) work(ctx context.Context, job *river.Job[A], user uuid.UUID) error {
	j := w.j
	if err := j.awaitEarlier(ctx, job.JobRow, user); err != nil {
		return err
	}
	if err := j.cfg.Breaker.Check(ctx); err != nil {
		if snooze := j.pressureSnooze(err); snooze != nil {
			j.log.InfoContext(ctx, "jobs: memory pressure: snoozed", "kind", w.kind, "user_id", user, "job_id", job.ID, "snooze", j.cfg.PressureSnooze)
			return snooze
		}
		return err
	}
	err := w.run(ctx, user)
	out := j.syncOutcome(err)
	if err != nil {
		// Sync errors carry codes and reasons only (no tokens, bodies or
		// personal data), so their text may be logged.
		j.log.WarnContext(ctx, "jobs: sync did not complete", "kind", w.kind, "user_id", user, "job_id", job.ID,
			"attempt", job.Attempt, "outcome", outcomeName(out), "error", gsync.ErrorText(err))
	}
	return out
}

// syncOutcome maps a sync's error onto River:
//
//   - nil: the job completes;
//   - memory pressure: snooze Config.PressureSnooze (no attempt used);
//   - ErrAccessRevoked: cancel; retrying cannot help until the user grants
//     access again;
//   - ErrNoToken (the host's token source gave no token and no error): cancel,
//     a host bug that retrying cannot fix;
//   - *RateLimitError: snooze its RetryAfter (at least a second);
//   - ErrBusy: another sync of the user holds the lock (one started by the
//     host outside River): snooze Config.BusySnooze;
//   - ErrGoogle that is not retryable (a 400, 404...): cancel;
//   - anything else (a 5xx or network failure that outlasted the sync's
//     own retries, a timeout): returned, River retries with backoff.
func (j *Jobs) syncOutcome(err error) error {
	var rl *gsync.RateLimitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gsync.ErrAccessRevoked), errors.Is(err, gsync.ErrNoToken):
		return river.JobCancel(err)
	case errors.As(err, &rl):
		return river.JobSnooze(max(rl.RetryAfter, time.Second))
	case errors.Is(err, gsync.ErrBusy):
		return river.JobSnooze(j.cfg.BusySnooze)
	}
	if snooze := j.pressureSnooze(err); snooze != nil {
		return snooze
	}
	if errors.Is(err, gsync.ErrGoogle) && !gsync.IsRetryable(err) {
		return river.JobCancel(err)
	}
	return err
}

func outcomeName(err error) string {
	var cancel *river.JobCancelError
	var snooze *river.JobSnoozeError
	switch {
	case errors.As(err, &cancel):
		return "cancelled"
	case errors.As(err, &snooze):
		return "snoozed " + snooze.Duration.String()
	default:
		return "retry"
	}
}
