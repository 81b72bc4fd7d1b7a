// Package jobs runs kith's per-user pipelines as River jobs
// (github.com/riverqueue/river), so that many processes on many machines
// share the work through the host's PostgreSQL.
//
// It is a module of its own (github.com/kithhq/kith/jobs): River, its
// drivers and their dependencies stay out of the module graph of a host
// that does not import it.
//
// # What it provides
//
//   - [SuggestArgs] and its worker: one user's suggestions
//     ([suggest.Generator.Generate]).
//   - [ContactsSyncArgs], [CalendarSyncArgs] and their worker: one user's
//     Google sync (see "Sync jobs").
//   - [FanOutArgs] and its worker, and [Jobs.PeriodicJob]: every
//     Config.Period, one fan-out job walks the host's users
//     (Config.Users) and enqueues each user's jobs in batches of
//     Config.BatchSize, one transaction per batch ([river.Client.InsertManyTx]).
//     Its memory does not grow with the number of users: one batch is held
//     at a time. Each batch's transaction also records where the fan-out
//     stands (River's resumable step cursor), so an attempt after an error
//     or a crash resumes after the last committed batch.
//
// Every per-user job is unique per (kind, user) while it is available,
// pending, scheduled, running or retryable (River's unique jobs, enforced by
// a unique index, so across machines): a user is never processed twice at
// once, and a second fan-out does not enqueue a user whose job still waits
// or runs. Once a user's job completed, the next period enqueues it again.
// The fan-out job is unique per period bucket, and a retried or rescued
// fan-out resumes rather than starting over, so a round enqueues each user
// once.
//
// # Order within a user
//
// A user's pipelines run in order: contacts sync, calendar sync,
// suggestions. The calendar sync moves last-contact dates of the contacts
// its meetings' attendees match, so it must see the contacts the contacts
// sync writes (ApplyInteractions' watermark does not revisit meetings
// already applied), and the suggestions should see both. River has no
// dependencies between jobs in its open-source edition, so a job whose
// user still has a job of an earlier configured pipeline active snoozes
// for Config.OrderSnooze (no attempt used), for at most Config.OrderWait
// after it was inserted. Users do not wait for each other.
//
// # Failures
//
// Each worker checks Config.Breaker before it starts and answers memory
// pressure (a refusal before or during the run, anything matching
// memguard.ErrMemoryPressure) with river.JobSnooze(Config.PressureSnooze):
// the job runs again later without using an attempt. An argument that can
// never succeed (a nil user ID) cancels the job (river.JobCancel). Anything
// else is returned to River, which retries it with backoff, at most
// MaxAttempts times.
//
// # Sync jobs
//
// [ContactsSyncArgs] and [CalendarSyncArgs] run the Google Contacts and
// Calendar syncs (contacts/googlesync, calendar): give Config.ContactsSync
// and Config.CalendarSync the syncers' Sync and SyncUser methods through [Sync], and the
// fan-out enqueues them for each user before the suggestion job. The
// worker maps a sync's errors onto River:
//
//   - memory pressure: river.JobSnooze(Config.PressureSnooze);
//   - ErrAccessRevoked (the user revoked kith's Google grant):
//     river.JobCancel, never retried until the host has a new grant;
//   - *RateLimitError: river.JobSnooze(RetryAfter), no attempt used;
//   - ErrBusy (another sync of the same user and resource holds its
//     lock, one the host started outside River): river.JobSnooze(Config.BusySnooze);
//   - ErrGoogle that IsRetryable does not accept (a 400, a 404):
//     river.JobCancel;
//   - anything else: returned, River retries with backoff.
//
// # Profiles
//
// Each job runs under runtime/pprof labels: LabelPipeline (suggest,
// contacts_sync, calendar_sync or fan_out) and LabelUser (the user's ID),
// inherited by the goroutines it starts. A CPU or heap profile of a worker
// process (net/http/pprof on a loopback port) then splits by pipeline and
// by user: `go tool pprof -tagfocus pipeline=contacts_sync` or `-tags`.
//
// # Setting up a host
//
// River's tables are created by River's own migrator (rivermigrate), kith's
// by [kith.Migrate]; both may live in one database (River's in the schema
// the host picks, "public" by default through search_path; kith's in
// "kith"):
//
//	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil { ... }
//	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
//	if err != nil { ... }
//	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil { ... }
//
// Then, in every worker process:
//
//	j, err := jobs.New(db, jobs.Config{Suggest: generator, Users: listUsers})
//	workers := river.NewWorkers()
//	if err := j.Register(workers); err != nil { ... }
//	fanOut, err := j.PeriodicJob()
//	client, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
//		Queues:       map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: 10}},
//		Workers:      workers,
//		PeriodicJobs: []*river.PeriodicJob{fanOut},
//	})
//	err = client.Start(ctx)
//
// Only River's elected leader enqueues periodic jobs, so one fan-out runs
// per period across all processes. With riverdatabasesql.New over a lib/pq
// or pgx/v5/stdlib pool River polls for jobs (Config.FetchPollInterval,
// 1 s by default). A host on pgx (a *pgxpool.Pool) gives kith and River a
// *sql.DB over that pool and keeps LISTEN/NOTIFY:
//
//	db := sqlx.NewDb(stdlib.OpenDBFromPool(pool), "pgx")
//	client, err := river.NewClient(riverdatabasesql.NewWithPgxListener(db.DB, pool), ...)
//
// (TestWorkerProcesses runs its workers this way under KITH_TEST_DRIVER=pgx).
// riverpgxv5 is not supported: kith's handles are database/sql, and the
// fan-out and the pipeline order need a river.Client[*sql.Tx].
package jobs
