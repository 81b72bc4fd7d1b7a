package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
)

// KindFanOut is the River kind of [FanOutArgs].
const KindFanOut = "kith.fan_out"

// FanOutArgs is the periodic job that enqueues every user's per-user jobs.
// [Jobs.PeriodicJob] inserts one per Config.Period, unique per period
// bucket; a host may also insert one itself to start a round now.
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
	Users      int `json:"users"`      // user IDs read from Config.Users
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
// Config.BatchSize users per transaction
// (river.Client.InsertManyTx on a transaction of the Jobs' db). A user
// whose job of a kind is still active is skipped for that kind (counted in
// Duplicates), so FanOut may run again, or beside another, without
// enqueuing anyone twice. Memory is one batch, whatever the number of
// users.
//
// An error of Config.Users or of an insert ends FanOut with the counts so
// far; the batches committed stay enqueued, and a rerun enqueues the rest.
// The fan-out worker calls it with the client from its context.
func (j *Jobs) FanOut(ctx context.Context, client *river.Client[*sql.Tx]) (FanOutResult, error) {
	var res FanOutResult
	if client == nil {
		return res, invalid("FanOut: client is nil")
	}
	if j.cfg.Users == nil {
		return res, invalid("FanOut: Config.Users is nil")
	}
	batch := make([]river.InsertManyParams, 0, j.cfg.BatchSize*len(j.perUser))
	opts := perUserOpts(j.cfg.MaxAttempts)
	inBatch := 0 // users
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, dup, err := j.insert(ctx, client, batch)
		if err != nil {
			return err
		}
		res.Inserted += n
		res.Duplicates += dup
		res.Batches++
		clear(batch) // drop the args for the collector before reuse
		batch, inBatch = batch[:0], 0
		return nil
	}
	for user, err := range j.cfg.Users(ctx) {
		if err != nil {
			return res, fmt.Errorf("jobs: fan-out: users: %w", err)
		}
		if user == uuid.Nil {
			return res, invalid("fan-out: Config.Users yielded uuid.Nil")
		}
		res.Users++
		for _, args := range j.perUser {
			batch = append(batch, river.InsertManyParams{Args: args(user), InsertOpts: opts})
		}
		if inBatch++; inBatch >= j.cfg.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, flush()
}

// insert writes one batch in its own transaction.
func (j *Jobs) insert(ctx context.Context, client *river.Client[*sql.Tx], batch []river.InsertManyParams) (inserted, duplicates int, err error) {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("jobs: fan-out: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	results, err := client.InsertManyTx(ctx, tx, batch)
	if err != nil {
		return 0, 0, fmt.Errorf("jobs: fan-out: insert %d jobs: %w", len(batch), err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("jobs: fan-out: commit: %w", err)
	}
	for _, r := range results {
		if r.UniqueSkippedAsDuplicate {
			duplicates++
		} else {
			inserted++
		}
	}
	return inserted, duplicates, nil
}

type fanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	j *Jobs
}

func (w *fanOutWorker) Timeout(*river.Job[FanOutArgs]) time.Duration { return w.j.cfg.FanOutTimeout }

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
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
	res, err := j.FanOut(ctx, client)
	if errors.Is(err, ErrInvalid) {
		// Config.Users yielded uuid.Nil: a host bug a retry repeats.
		j.log.ErrorContext(ctx, "jobs: fan-out cancelled", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted)
		return river.JobCancel(err)
	}
	if err != nil {
		j.log.WarnContext(ctx, "jobs: fan-out failed; River retries", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted, "attempt", job.Attempt)
		return err
	}
	j.log.InfoContext(ctx, "jobs: fan-out", "job_id", job.ID, "users", res.Users, "inserted", res.Inserted, "duplicates", res.Duplicates, "batches", res.Batches)
	return river.RecordOutput(ctx, res)
}
