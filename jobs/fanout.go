package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
)

// KindFanOut is the River kind of [FanOutArgs].
const KindFanOut = "kith.fan_out"

// FanOutArgs is the periodic job that enqueues every user's per-user jobs.
// [Jobs.PeriodicJob] inserts one per Config.Period, unique per period
// bucket; a host may also insert one itself to start a round now. An
// attempt that fails or dies (its process killed) is retried by River
// from the user after its last committed batch.
type FanOutArgs struct{}

// Kind is KindFanOut.
func (FanOutArgs) Kind() string { return KindFanOut }

// InsertOpts puts the job in [Queue]. The periodic job adds uniqueness per
// period.
func (FanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: DefaultMaxAttempts}
}

// FanOutResult counts what one fan-out did. It is also the fan-out job's
// River output.
type FanOutResult struct {
	Users      int `json:"users"`      // users of the committed batches
	Inserted   int `json:"inserted"`   // jobs inserted
	Duplicates int `json:"duplicates"` // jobs skipped: the user's job of that kind was still active
	Batches    int `json:"batches"`    // insert transactions committed
}

// PeriodicJob returns the River periodic job that inserts a [FanOutArgs]
// job every Config.Period (and once when a River leader starts, so a
// restart does not skip a round). Give it to river.Config.PeriodicJobs of
// every process: only the elected leader enqueues. Two inserts in one
// period bucket (a leader change, RunOnStart) make one job. It refuses
// without Config.Users.
func (j *Jobs) PeriodicJob() (*river.PeriodicJob, error) {
	if j.cfg.Users == nil {
		return nil, invalid("PeriodicJob: Config.Users is nil: the fan-out has no users to enqueue")
	}
	period := j.cfg.Period
	return river.NewPeriodicJob(river.PeriodicInterval(period), func() (river.JobArgs, *river.InsertOpts) {
		return FanOutArgs{}, &river.InsertOpts{
			Queue:       Queue,
			MaxAttempts: DefaultMaxAttempts,
			UniqueOpts:  river.UniqueOpts{ByPeriod: period},
		}
	}, &river.PeriodicJobOpts{ID: KindFanOut, RunOnStart: true}), nil
}

// FanOut enqueues each user's per-user jobs (a [SuggestArgs]; the syncs'
// args once they plug in) for every user Config.Users yields,
// Config.BatchSize users per transaction (river.Client.InsertManyTx on a
// transaction of the Jobs' db). A user whose job of a kind is still active
// is skipped for that kind (counted in Duplicates), so FanOut may run
// again, or beside another, without enqueuing anyone twice while their
// jobs wait or run. Memory is one batch, whatever the number of users.
//
// An error of Config.Users or of an insert ends FanOut with the counts so
// far; the batches committed stay enqueued. FanOut starts from the first
// user; the fan-out job instead resumes after the last user of its last
// committed batch (see [FanOutArgs]).
func (j *Jobs) FanOut(ctx context.Context, client *river.Client[*sql.Tx]) (FanOutResult, error) {
	if client == nil {
		return FanOutResult{}, invalid("FanOut: client is nil")
	}
	return j.fanOut(ctx, client, fanOutCursor{}, nil)
}

// fanOutCursor is where a fan-out stands: the last user of the last
// committed batch, and the counts so far. The fan-out job stores it in
// the batch's transaction (River's resumable step cursor), so an attempt
// after a crash or an error resumes after that user instead of starting
// over: users whose jobs completed meanwhile are not enqueued twice in one
// round.
type fanOutCursor struct {
	After  uuid.UUID    `json:"after"`
	Counts FanOutResult `json:"counts"`
}

// fanOut enqueues the users after cur.After, calling checkpoint (if not
// nil) inside each batch's transaction with the cursor that batch reaches.
func (j *Jobs) fanOut(ctx context.Context, client *river.Client[*sql.Tx], cur fanOutCursor,
	checkpoint func(tx *sql.Tx, cur fanOutCursor) error) (FanOutResult, error) {
	res := cur.Counts
	if j.cfg.Users == nil {
		return res, invalid("FanOut: Config.Users is nil")
	}
	batch := make([]river.InsertManyParams, 0, j.cfg.BatchSize*len(j.perUser))
	opts := perUserOpts(j.cfg.MaxAttempts)
	var inBatch int    // users in batch
	var last uuid.UUID // the batch's last user
	flush := func() error {
		if inBatch == 0 {
			return nil
		}
		next := res
		next.Users += inBatch
		next.Batches++
		if err := j.insert(ctx, client, batch, &next, func(tx *sql.Tx) error {
			if checkpoint == nil {
				return nil
			}
			return checkpoint(tx, fanOutCursor{After: last, Counts: next})
		}); err != nil {
			return err
		}
		res = next
		clear(batch) // drop the args for the collector before reuse
		batch, inBatch = batch[:0], 0
		return nil
	}
	for user, err := range j.cfg.Users(ctx, cur.After) {
		if err != nil {
			return res, fmt.Errorf("jobs: fan-out: users: %w", err)
		}
		if user == uuid.Nil {
			return res, invalid("fan-out: Config.Users yielded uuid.Nil")
		}
		for _, args := range j.perUser {
			batch = append(batch, river.InsertManyParams{Args: args(user), InsertOpts: opts})
		}
		last = user
		if inBatch++; inBatch >= j.cfg.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err := flush()
	return res, err
}

// insert writes one batch and its checkpoint in one transaction, adding
// the outcome to counts.
func (j *Jobs) insert(ctx context.Context, client *river.Client[*sql.Tx], batch []river.InsertManyParams,
	counts *FanOutResult, checkpoint func(*sql.Tx) error) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: fan-out: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	results, err := client.InsertManyTx(ctx, tx, batch)
	if err != nil {
		return fmt.Errorf("jobs: fan-out: insert %d jobs: %w", len(batch), err)
	}
	for _, r := range results {
		if r.UniqueSkippedAsDuplicate {
			counts.Duplicates++
		} else {
			counts.Inserted++
		}
	}
	if err := checkpoint(tx); err != nil {
		return fmt.Errorf("jobs: fan-out: checkpoint: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: fan-out: commit: %w", err)
	}
	return nil
}

type fanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	j *Jobs
}

func (w *fanOutWorker) Timeout(*river.Job[FanOutArgs]) time.Duration { return w.j.cfg.FanOutTimeout }

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	return labelled(ctx, PipelineFanOut, uuid.Nil, func(ctx context.Context) error { return w.work(ctx, job) })
}

func (w *fanOutWorker) work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	j := w.j
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return river.JobCancel(fmt.Errorf("jobs: fan-out needs a river.Client[*sql.Tx] (riverdatabasesql): %w", err))
	}
	if err := j.cfg.Breaker.Check(ctx); err != nil {
		if snooze := j.pressureSnooze(err); snooze != nil {
			j.log.InfoContext(ctx, "jobs: memory pressure: snoozed", "kind", KindFanOut, "job_id", job.ID, "snooze", j.cfg.PressureSnooze)
			return snooze
		}
		return err
	}
	var res FanOutResult
	river.ResumableStepCursor(ctx, "users", nil, func(ctx context.Context, cur fanOutCursor) error {
		res, err = j.fanOut(ctx, client, cur, func(tx *sql.Tx, next fanOutCursor) error {
			_, err := river.ResumableSetStepCursorTx[*riverdatabasesql.Driver](ctx, tx, job, next)
			return err
		})
		return err
	})
	if errors.Is(err, ErrInvalid) {
		// Config.Users yielded uuid.Nil: a host bug a retry repeats.
		j.log.ErrorContext(ctx, "jobs: fan-out cancelled", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted)
		return river.JobCancel(err)
	}
	if err != nil {
		j.log.WarnContext(ctx, "jobs: fan-out failed; River retries from its last batch", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted, "attempt", job.Attempt)
		return err
	}
	j.log.InfoContext(ctx, "jobs: fan-out", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted, "duplicates", res.Duplicates, "batches", res.Batches)
	return river.RecordOutput(ctx, res)
}
