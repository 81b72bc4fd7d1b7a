package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

// Queue is the River queue every kith job is inserted in. A process works
// kith's jobs when its river.Config.Queues has an entry for it.
const Queue = "kith"

// Defaults and bounds of [Config].
const (
	DefaultPeriod         = time.Hour
	MinPeriod             = time.Second // River's smallest periodic interval
	DefaultBatchSize      = 1000
	MaxBatchSize          = 10_000
	DefaultPressureSnooze = 30 * time.Second
	DefaultSuggestTimeout = 5 * time.Minute
	DefaultFanOutTimeout  = 10 * time.Minute
	DefaultSyncTimeout    = 15 * time.Minute
	DefaultBusySnooze     = time.Minute
	DefaultMaxAttempts    = 5
)

// ErrInvalid is matched by every refused argument or configuration: a nil
// handle, a field out of bounds (the error names the field, its value and
// the bound), a missing Config.Users for the fan-out.
var ErrInvalid = errors.New("jobs: invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Config configures [New]. Every field documents its zero value.
type Config struct {
	// Suggest generates one user's suggestions for a [SuggestArgs] job.
	// nil: no suggestion jobs. At least one of Suggest, ContactsSync and
	// CalendarSync is required.
	Suggest *suggest.Generator

	// ContactsSync runs one user's Google Contacts sync for a
	// [ContactsSyncArgs] job: jobs.Sync(syncer.Sync) of a
	// contacts/googlesync Syncer. nil: no contacts sync jobs.
	ContactsSync SyncFunc

	// CalendarSync runs one user's Google Calendar sync for a
	// [CalendarSyncArgs] job: jobs.Sync(syncer.SyncUser) of a calendar
	// Syncer. nil: no calendar sync jobs.
	CalendarSync SyncFunc

	// Location returns a user's time zone for the suggestion run, looked
	// up by the host just before it (as suggest.AllOptions.Location). nil,
	// or a nil *time.Location returned, means UTC; an error fails the
	// attempt (River retries it).
	Location func(ctx context.Context, userID uuid.UUID) (*time.Location, error)

	// Users yields the user IDs the fan-out enqueues jobs for: those
	// after the given one (uuid.Nil: from the first), in an order that is
	// the same on every call, each once. A keyset query over the host's
	// users table does it (WHERE id > $after ORDER BY id LIMIT n, page
	// after page). A fan-out attempt after a crash or an error resumes
	// after the last user of its last committed batch. The sequence is
	// consumed one batch at a time, so it should stream rather than
	// collect. nil: no fan-out ([Jobs.PeriodicJob] refuses, [Jobs.Register]
	// adds no fan-out worker).
	Users func(ctx context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error]

	// Period is how often the fan-out runs. 0 means DefaultPeriod; at
	// least MinPeriod.
	Period time.Duration

	// BatchSize is how many users one fan-out transaction enqueues. 0
	// means DefaultBatchSize; 1 to MaxBatchSize.
	BatchSize int

	// Breaker is checked before every job starts; a refusal snoozes the
	// job. nil means memguard.Nop(). Give the Generator the same breaker
	// so that pressure during a run snoozes too.
	Breaker memguard.Breaker

	// PressureSnooze is how long a job refused for memory waits before
	// it runs again. 0 means DefaultPressureSnooze; negative is refused.
	PressureSnooze time.Duration

	// SuggestTimeout bounds one suggestion job (its context's deadline).
	// 0 means DefaultSuggestTimeout; negative is refused. River's
	// RescueStuckJobsAfter must be longer than every job timeout.
	SuggestTimeout time.Duration

	// SyncTimeout bounds one sync job. 0 means DefaultSyncTimeout;
	// negative is refused.
	SyncTimeout time.Duration

	// BusySnooze is how long a sync job waits when the user's sync is
	// already running outside River (ErrBusy). 0 means DefaultBusySnooze;
	// negative is refused.
	BusySnooze time.Duration

	// FanOutTimeout bounds one fan-out job. 0 means DefaultFanOutTimeout;
	// negative is refused.
	FanOutTimeout time.Duration

	// MaxAttempts is how often River tries a per-user job that fails
	// (snoozes do not count). 0 means DefaultMaxAttempts; 1 to 100.
	MaxAttempts int

	// OrderWait bounds how long a user's job waits for the user's jobs
	// of earlier pipelines: a user's pipelines run in order, contacts
	// sync, then calendar sync, then suggestions, so that the calendar
	// sync matches meetings against the contacts the contacts sync just
	// wrote and the suggestions see both. A job whose user has a job of an
	// earlier configured pipeline active (available, pending, scheduled,
	// running or retryable) snoozes for OrderSnooze (no attempt used),
	// until it has waited OrderWait since it was inserted; then it runs
	// whatever the others do (a sync waiting out a long rate limit does
	// not hold the user's suggestions back for ever). 0 means
	// DefaultOrderWait; negative: no order, every job runs when fetched.
	// The order needs the job's River client to be a
	// river.Client[*sql.Tx] (riverdatabasesql); with another driver the
	// jobs run unordered.
	OrderWait time.Duration

	// OrderSnooze is how long a job waiting for an earlier pipeline
	// snoozes before it looks again. 0 means DefaultOrderSnooze; negative
	// is refused.
	OrderSnooze time.Duration

	// Logger receives one line per job outcome other than success, with
	// user IDs and counts only. nil discards.
	Logger *slog.Logger
}

// Jobs holds the configured workers. It is safe for concurrent use; one
// value serves every River client of a process.
type Jobs struct {
	db  kith.Beginner
	cfg Config
	log *slog.Logger
	// earlier lists, per per-user kind, the kinds a job of that kind
	// waits for (order.go).
	earlier map[string][]string
	// perUser makes the args of each per-user job the fan-out enqueues
	// for a user, one per configured pipeline.
	perUser []func(uuid.UUID) river.JobArgs
}

// New validates cfg and returns the jobs over db, the pool the fan-out
// begins its insert transactions on (the database River's client uses).
// A *sql.Conn or a transaction is refused with ErrInvalid, as is a nil
// handle. It does not touch the database.
func New(db kith.Beginner, cfg Config) (*Jobs, error) {
	if err := argcheck.Handle(db); err != nil {
		return nil, invalid("%v", err)
	}
	// A *sql.Conn (or a transaction) is one connection: the fan-out jobs
	// River runs at once would queue on it, each waiting for the other's
	// insert transaction, and River itself needs a pool. Ask for what
	// *sql.DB and *sqlx.DB have and a single connection has not.
	if _, ok := db.(interface {
		Conn(context.Context) (*sql.Conn, error)
	}); !ok {
		return nil, invalid("handle %T is a single connection or transaction: jobs needs a pool (*sql.DB, *sqlx.DB), the database River's client uses, so that concurrent fan-out jobs each begin their own transaction", db)
	}
	if cfg.Suggest == nil && cfg.ContactsSync == nil && cfg.CalendarSync == nil {
		return nil, invalid("Config.Suggest, ContactsSync and CalendarSync are all nil: no pipeline to run")
	}
	if cfg.Suggest != nil && argcheck.IsNil(cfg.Suggest) {
		return nil, invalid("Config.Suggest: typed nil %T", cfg.Suggest)
	}
	if cfg.Breaker != nil && argcheck.IsNil(cfg.Breaker) {
		return nil, invalid("Config.Breaker is a typed nil: want nil or a usable memguard.Breaker")
	}
	switch {
	case cfg.Period == 0:
		cfg.Period = DefaultPeriod
	case cfg.Period < MinPeriod:
		return nil, invalid("Config.Period %v: must be 0 or >= %v", cfg.Period, MinPeriod)
	}
	switch {
	case cfg.BatchSize == 0:
		cfg.BatchSize = DefaultBatchSize
	case cfg.BatchSize < 1 || cfg.BatchSize > MaxBatchSize:
		return nil, invalid("Config.BatchSize %d: must be in [1, %d]", cfg.BatchSize, MaxBatchSize)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"PressureSnooze", &cfg.PressureSnooze, DefaultPressureSnooze},
		{"SuggestTimeout", &cfg.SuggestTimeout, DefaultSuggestTimeout},
		{"FanOutTimeout", &cfg.FanOutTimeout, DefaultFanOutTimeout},
		{"SyncTimeout", &cfg.SyncTimeout, DefaultSyncTimeout},
		{"BusySnooze", &cfg.BusySnooze, DefaultBusySnooze},
		{"OrderSnooze", &cfg.OrderSnooze, DefaultOrderSnooze},
	} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			return nil, invalid("Config.%s %v: must be >= 0", d.name, *d.v)
		}
	}
	switch {
	case cfg.MaxAttempts == 0:
		cfg.MaxAttempts = DefaultMaxAttempts
	case cfg.MaxAttempts < 1 || cfg.MaxAttempts > 100:
		return nil, invalid("Config.MaxAttempts %d: must be in [1, 100]", cfg.MaxAttempts)
	}
	if cfg.OrderWait == 0 {
		cfg.OrderWait = DefaultOrderWait
	}
	if cfg.Breaker == nil {
		cfg.Breaker = memguard.Nop()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := &Jobs{db: db, cfg: cfg, log: log, earlier: earlierKinds(cfg)}
	// The syncs first: in a batch their jobs get the lower IDs, and River
	// fetches by priority, scheduled time, then ID, so a user's jobs tend
	// to be fetched in pipeline order; Config.OrderWait makes it so.
	if cfg.ContactsSync != nil {
		j.perUser = append(j.perUser, func(u uuid.UUID) river.JobArgs { return ContactsSyncArgs{UserID: u} })
	}
	if cfg.CalendarSync != nil {
		j.perUser = append(j.perUser, func(u uuid.UUID) river.JobArgs { return CalendarSyncArgs{UserID: u} })
	}
	if cfg.Suggest != nil {
		j.perUser = append(j.perUser, func(u uuid.UUID) river.JobArgs { return SuggestArgs{UserID: u} })
	}
	return j, nil
}

// Register adds the workers of the configured pipelines to workers: one
// per pipeline set in Config, and the fan-out worker when Config.Users is
// set.
func (j *Jobs) Register(workers *river.Workers) error {
	if workers == nil {
		return invalid("Register: workers is nil")
	}
	var err error
	if j.cfg.Suggest != nil {
		err = errors.Join(err, river.AddWorkerSafely(workers, &suggestWorker{j: j}))
	}
	if j.cfg.ContactsSync != nil {
		err = errors.Join(err, river.AddWorkerSafely(workers, &syncWorker[ContactsSyncArgs]{j: j, run: j.cfg.ContactsSync, kind: KindContactsSync, pipeline: PipelineContactsSync}))
	}
	if j.cfg.CalendarSync != nil {
		err = errors.Join(err, river.AddWorkerSafely(workers, &syncWorker[CalendarSyncArgs]{j: j, run: j.cfg.CalendarSync, kind: KindCalendarSync, pipeline: PipelineCalendarSync}))
	}
	if j.cfg.Users != nil {
		err = errors.Join(err, river.AddWorkerSafely(workers, &fanOutWorker{j: j}))
	}
	if err != nil {
		return fmt.Errorf("jobs: register: %w", err)
	}
	return nil
}

// activeStates are the states in which a per-user job blocks another of
// the same kind and user: everything but completed, cancelled and
// discarded. River requires available, pending, running and scheduled.
var activeStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// perUserOpts are the insert options of every per-user job: kith's queue,
// unique by (kind, user) while active.
func perUserOpts(maxAttempts int) *river.InsertOpts {
	return &river.InsertOpts{
		Queue:       Queue,
		MaxAttempts: maxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: activeStates},
	}
}

// pressureSnooze returns the snooze that answers err when err is a memory
// refusal, else nil.
func (j *Jobs) pressureSnooze(err error) error {
	if errors.Is(err, memguard.ErrMemoryPressure) {
		return river.JobSnooze(j.cfg.PressureSnooze)
	}
	return nil
}
