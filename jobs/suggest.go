package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/kithhq/kith/suggest"
)

// KindSuggest is the River kind of [SuggestArgs].
const KindSuggest = "kith.suggest"

// SuggestArgs asks for one user's suggestions. Jobs of this kind are
// unique per user while active (see the package doc); a host may insert
// one itself (client.Insert(ctx, jobs.SuggestArgs{UserID: id}, nil)) after
// a change that should refresh the user's suggestions sooner than the next
// fan-out.
type SuggestArgs struct {
	UserID uuid.UUID `json:"user_id" river:"unique"`
}

// Kind is KindSuggest.
func (SuggestArgs) Kind() string { return KindSuggest }

// InsertOpts puts the job in [Queue], unique per user while active, with
// DefaultMaxAttempts. The fan-out passes Config.MaxAttempts instead.
func (SuggestArgs) InsertOpts() river.InsertOpts { return *perUserOpts(DefaultMaxAttempts) }

// SuggestOutput is what a completed suggestion job records as its River
// output (river.RecordOutput; JobRow.Output): counts only.
type SuggestOutput struct {
	Suggested  int   `json:"suggested"`            // suggestions the run made: len(suggest.Result.Suggestions)
	Scanned    int64 `json:"scanned"`              // contacts streamed (suggest.Result.Scanned)
	Eligible   int64 `json:"eligible"`             // contacts found due (suggest.Result.Eligible)
	Superseded bool  `json:"superseded,omitempty"` // a later run of the user replaced this one's (suggest.Result.Superseded)
	Attempts   int   `json:"attempts"`             // runs inside the job: 1, more when concurrent edits forced a rerun
}

type suggestWorker struct {
	river.WorkerDefaults[SuggestArgs]
	j *Jobs
}

func (w *suggestWorker) Timeout(*river.Job[SuggestArgs]) time.Duration {
	return w.j.cfg.SuggestTimeout
}

func (w *suggestWorker) Work(ctx context.Context, job *river.Job[SuggestArgs]) error {
	user := job.Args.UserID
	if user == uuid.Nil {
		return river.JobCancel(invalid("job %d: user ID is uuid.Nil", job.ID))
	}
	return labelled(ctx, PipelineSuggest, user, func(ctx context.Context) error { return w.work(ctx, job, user) })
}

func (w *suggestWorker) work(ctx context.Context, job *river.Job[SuggestArgs], user uuid.UUID) error {
	j := w.j
	if err := j.awaitEarlier(ctx, job.JobRow, user); err != nil {
		return err
	}
	if err := j.cfg.Breaker.Check(ctx); err != nil {
		if snooze := j.pressureSnooze(err); snooze != nil {
			j.log.InfoContext(ctx, "jobs: memory pressure: snoozed", "kind", KindSuggest, "user_id", user, "job_id", job.ID, "snooze", j.cfg.PressureSnooze)
			return snooze
		}
		return err
	}
	var loc *time.Location
	if j.cfg.Location != nil {
		l, err := j.cfg.Location(ctx, user)
		if err != nil {
			return fmt.Errorf("jobs: time zone of user %s: %w", user, err)
		}
		loc = l
	}
	res, err := j.cfg.Suggest.Generate(ctx, user, loc)
	if err != nil {
		if snooze := j.pressureSnooze(err); snooze != nil {
			j.log.InfoContext(ctx, "jobs: memory pressure: snoozed", "kind", KindSuggest, "user_id", user, "job_id", job.ID, "snooze", j.cfg.PressureSnooze)
			return snooze
		}
		if errors.Is(err, suggest.ErrInvalid) {
			// A configuration or argument the next attempt would
			// refuse again.
			j.log.WarnContext(ctx, "jobs: cancelled", "kind", KindSuggest, "user_id", user, "job_id", job.ID)
			return river.JobCancel(err)
		}
		j.log.WarnContext(ctx, "jobs: failed; River retries", "kind", KindSuggest, "user_id", user, "job_id", job.ID, "attempt", job.Attempt)
		return err
	}
	return river.RecordOutput(ctx, SuggestOutput{
		Suggested:  len(res.Suggestions),
		Scanned:    res.Scanned,
		Eligible:   res.Eligible,
		Superseded: res.Superseded,
		Attempts:   res.Attempts,
	})
}
