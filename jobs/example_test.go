package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"log"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/suggest"
)

// A host's worker process: both migrations on one database, the jobs
// registered with a River client, one fan-out round.
func Example() {
	ctx := context.Background()
	db, done := exampledb.New("Example") // in a host: its own *sqlx.DB
	defer done()

	// kith's tables (schema "kith") and River's (the host's schema,
	// "public" here), each through its own migrator; both idempotent.
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	migrator, err := rivermigrate.New(riverdatabasesql.New(db.DB), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		log.Fatal(err)
	}

	// Three users of the host, with a few overdue contacts each.
	users := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	for _, u := range users {
		if _, err := db.ExecContext(ctx, `INSERT INTO kith.contacts (user_id, name, last_contact_date, frequency)
			SELECT $1, 'Friend ' || g, now() - g * interval '40 days', 'monthly' FROM generate_series(1, 4) g`, u); err != nil {
			log.Fatal(err)
		}
	}
	// In a host: a keyset query over its users table,
	// WHERE id > $after ORDER BY id, page after page.
	slices.SortFunc(users, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	listUsers := func(ctx context.Context, after uuid.UUID) iter.Seq2[uuid.UUID, error] {
		return func(yield func(uuid.UUID, error) bool) {
			for _, u := range users {
				if bytes.Compare(u[:], after[:]) > 0 && !yield(u, nil) {
					return
				}
			}
		}
	}

	generator, err := suggest.New(db, suggest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	j, err := jobs.New(db, jobs.Config{Suggest: generator, Users: listUsers, Period: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	workers := river.NewWorkers()
	if err := j.Register(workers); err != nil {
		log.Fatal(err)
	}
	fanOut, err := j.PeriodicJob()
	if err != nil {
		log.Fatal(err)
	}
	client, err := river.NewClient(riverdatabasesql.New(db.DB), &river.Config{
		Queues:            map[string]river.QueueConfig{jobs.Queue: {MaxWorkers: 4}},
		Workers:           workers,
		PeriodicJobs:      []*river.PeriodicJob{fanOut}, // the leader inserts one now (RunOnStart), then hourly
		FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	completed, cancel := client.Subscribe(river.EventKindJobCompleted)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Stop(ctx) //nolint:errcheck // example

	// One round: the fan-out, then one suggestion job per user.
	for range 1 + len(users) {
		<-completed
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM kith.suggestions WHERE status = 'pending'`); err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending suggestions:", n)
	// Output:
	// pending suggestions: 12
}
