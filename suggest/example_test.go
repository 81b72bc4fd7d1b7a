package suggest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/exampledb"
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
// user did.
func ExampleGenerator_Generate() {
	db, done := exampledb.New("ExampleGenerator_Generate") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx := context.Background()
	userID := uuid.MustParse("7d3c1e9a-4f41-4a59-9d0e-2b6a9e0f1c11")
	now := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	addContacts(db, userID, now)

	breaker, err := memguard.New(memguard.Config{Name: "suggest"})
	if err != nil {
		log.Fatal(err)
	}
	g, err := suggest.New(db, suggest.Config{
		Breaker: breaker, Limit: 20,
		Now: func() time.Time { return now }, // nil: time.Now
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // a job's time bound
	defer cancel()
	res, err := g.Generate(ctx, userID, nil) // nil: the user's zone is unknown, UTC
	if err != nil {
		log.Fatal(err) // memguard.ErrMemoryPressure: retry later; nothing was written
	}
	for _, s := range res.Suggestions {
		fmt.Printf("%d. %s (%s)\n", s.Rank, s.Name, s.Reason)
	}
	top := res.Suggestions[0]
	if err := g.Snooze(ctx, userID, top.ID, now.Add(7*24*time.Hour)); err != nil {
		log.Fatal(err)
	}
	err = g.Accept(ctx, userID, top.ID) // already resolved: nothing changes
	fmt.Println("accept after snooze:", errors.Is(err, suggest.ErrNotPending))
	// Output:
	// 1. Ada (weekly; last contact 4 weeks ago)
	// 2. Linus (quarterly; never contacted)
	// 3. Grace (monthly; last contact 6 weeks ago)
	// accept after snooze: true
}

// addContacts gives userID the contacts of the examples, last contacted
// some days before now.
func addContacts(db *sqlx.DB, userID uuid.UUID, now time.Time) {
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ago := func(days int) *time.Time { t := now.AddDate(0, 0, -days); return &t }
	for _, c := range []contacts.Contact{
		{Name: "Ada", Frequency: contacts.FrequencyWeekly, LastContactDate: ago(28)},
		{Name: "Grace", Frequency: contacts.FrequencyMonthly, LastContactDate: ago(47)},
		{Name: "Linus", Frequency: contacts.FrequencyQuarterly},
		{Name: "Ken", Frequency: contacts.FrequencyMonthly, LastContactDate: ago(10)},
	} {
		if _, err := store.Create(context.Background(), userID, c); err != nil {
			log.Fatal(err)
		}
	}
}

// GenerateAll walks the host's users with bounded concurrency; each
// failure is a *suggest.UserError in the returned errors.Join.
func ExampleGenerator_GenerateAll() {
	db, done := exampledb.New("ExampleGenerator_GenerateAll")
	defer done()
	ctx := context.Background()
	now := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	for _, id := range ids {
		addContacts(db, id, now)
	}
	g, err := suggest.New(db, suggest.Config{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	// The host's users, read in bounded pages from its own tables in real
	// code; uuid.Nil stands for a bad row.
	users := func(yield func(uuid.UUID, error) bool) {
		for _, id := range append(ids, uuid.Nil) {
			if !yield(id, nil) {
				return
			}
		}
	}
	rep, err := g.GenerateAll(ctx, users, suggest.AllOptions{Concurrency: 2})
	fmt.Println(rep.Started, "started,", rep.Succeeded, "succeeded,", rep.Failed, "failed")
	var ue *suggest.UserError
	if errors.As(err, &ue) {
		fmt.Println(ue.UserID, errors.Is(err, suggest.ErrInvalid))
	}
	// Output:
	// 4 started, 3 succeeded, 1 failed
	// 00000000-0000-0000-0000-000000000000 true
}
