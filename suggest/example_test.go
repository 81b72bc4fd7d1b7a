package suggest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/suggest"
)

// The default scorer ranks by how overdue a contact is relative to its own
// frequency, in the user's calendar, with optional group weights.
func ExampleDefaultScorer() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2024, 6, 1, 9, 0, 0, 0, berlin)
	cal := suggest.NewCalendar(now, berlin)
	ago := func(days int) *time.Time { t := now.AddDate(0, 0, -days); return &t }
	family := uuid.MustParse("00000000-0000-0000-0000-00000000fa11")
	scorer := suggest.DefaultScorer{GroupWeights: map[uuid.UUID]float64{family: 2}}

	for _, c := range []contacts.MinimalContact{
		{Name: "Ada (weekly, 4 weeks)", Frequency: contacts.FrequencyWeekly, LastContactDate: ago(28)},
		{Name: "Alan (annual, 3 weeks late)", Frequency: contacts.FrequencyAnnual, LastContactDate: ago(386)},
		{Name: "Grace (monthly, family)", Frequency: contacts.FrequencyMonthly, LastContactDate: ago(47), GroupIDs: []uuid.UUID{family}},
		{Name: "Linus (quarterly, never)", Frequency: contacts.FrequencyQuarterly},
		{Name: "Ken (monthly, 10 days)", Frequency: contacts.FrequencyMonthly, LastContactDate: ago(10)},
		{Name: "Barbara (no frequency)", LastContactDate: ago(900)},
	} {
		score, ok := scorer.Score(c, cal)
		if !ok {
			fmt.Printf("%-28s not due\n", c.Name)
			continue
		}
		fmt.Printf("%-28s %.2f  due %-10v  %s\n", c.Name, score, cal.Due(c).Date, scorer.Reason(c, cal))
	}
	// Output:
	// Ada (weekly, 4 weeks)        4.00  due 2024-05-11  weekly; last contact 4 weeks ago
	// Alan (annual, 3 weeks late)  1.05  due 2024-05-12  annual; last contact 12 months ago
	// Grace (monthly, family)      3.13  due 2024-05-15  monthly; last contact 6 weeks ago; weight 2
	// Linus (quarterly, never)     2.00  due             quarterly; never contacted
	// Ken (monthly, 10 days)       not due
	// Barbara (no frequency)       not due
}

// A host generates a user's suggestions, shows them, and records what the
// user did. (Needs a database, so it is compiled but not run.)
func ExampleGenerator_Generate() {
	ctx := context.Background()
	db, err := sqlx.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	breaker, err := memguard.New(memguard.Config{Name: "suggest"})
	if err != nil {
		log.Fatal(err)
	}
	g, err := suggest.New(db, suggest.Config{Breaker: breaker, Limit: 20})
	if err != nil {
		log.Fatal(err)
	}
	userID := uuid.MustParse("7d3c1e9a-4f41-4a59-9d0e-2b6a9e0f1c11")

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // a job's time bound
	defer cancel()
	res, err := g.Generate(ctx, userID, nil)
	if err != nil {
		log.Fatal(err) // memguard.ErrMemoryPressure: retry later; nothing was written
	}
	for _, s := range res.Suggestions {
		fmt.Printf("%d. %s (%s)\n", s.Rank, s.Name, s.Reason)
	}
	if len(res.Suggestions) > 0 {
		top := res.Suggestions[0]
		if err := g.Snooze(ctx, userID, top.ID, time.Now().Add(7*24*time.Hour)); err != nil {
			log.Fatal(err)
		}
	}
}

// GenerateAll walks the host's users with bounded concurrency.
func ExampleGenerator_GenerateAll() {
	ctx := context.Background()
	db, err := sqlx.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	g, err := suggest.New(db, suggest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	// The host's users, read in bounded pages in real code.
	users := func(yield func(uuid.UUID, error) bool) {
		rows, err := db.QueryContext(ctx, `SELECT id FROM app.users ORDER BY id`)
		if err != nil {
			yield(uuid.Nil, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				yield(uuid.Nil, err)
				return
			}
			if !yield(id, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(uuid.Nil, err)
		}
	}
	rep, err := g.GenerateAll(ctx, users, suggest.AllOptions{
		Concurrency: 8,
		Progress:    func(p suggest.Progress) { log.Printf("%d users done, %d failed", p.Done, p.Failed) },
	})
	log.Printf("%d succeeded, %d failed in %v: %v", rep.Succeeded, rep.Failed, rep.Duration, err)
}
