package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	gcal "google.golang.org/api/calendar/v3"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/internal/googlefake"
)

// The README's calendar tour, against a fake Calendar API: SyncUser (the
// calendar list, then the primary calendar), a meeting added in Google
// and the incremental sync, interactions applied later on a schedule,
// the people met who are not contacts, the status a host shows.
// TestREADMECalendarTour checks that the README shows this code, from
// "end of setup" on.
func Example() {
	db, done := exampledb.New("calendar.Example") // in a host: its own *sqlx.DB or *sql.DB
	defer done()
	now := time.Date(2026, 10, 20, 18, 0, 0, 0, time.UTC)
	google := googlefake.New(googlefake.Config{Seed: 1, Now: func() time.Time { return now }}) // a fake Calendar API
	defer google.Close()
	userID := uuid.MustParse("7c2d9e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f")
	account := google.AddAccount(userID.String(), googlefake.AccountConfig{People: 300, Events: 3000, Anchor: now})
	people, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	var batch []contacts.Contact // the user's contacts: the fake's first 250 people
	for i := range 250 {
		if p := account.Person(i); len(p.EmailAddresses) > 0 {
			batch = append(batch, contacts.Contact{Name: fmt.Sprint("Person ", i), Email: p.EmailAddresses[0].Value})
		}
	}
	if _, err := people.CreateMany(context.Background(), userID, batch); err != nil {
		log.Fatal(err)
	}
	ada, err := people.Create(context.Background(), userID, contacts.Contact{Name: "Ada", Email: "ada@example.org"})
	if err != nil {
		log.Fatal(err)
	}
	// (end of setup)
	ctx := context.Background()

	// One Syncer per process: it caches each user's Google client.
	syncer, err := calendar.New(db, calendar.Config{
		// In a host: the user's stored OAuth token, e.g.
		// oauthConfig.TokenSource(ctx, tokenOf(userID)) with the
		// calendar.CalendarReadonlyScope scope.
		TokenSource:   google.TokenSourceFunc(),
		ClientOptions: google.CalendarOptions(),        // a host leaves this out
		Now:           func() time.Time { return now }, // and this
		// Rules (what counts as contact), Calendars (which calendars to
		// sync), Lookback, Breaker, Monitor, Logger, Lock, Retry: the zero
		// value of each is the documented default.
	})
	if err != nil {
		log.Fatal(err)
	}

	// The calendar list (incremental, with its own token), then each
	// selected calendar: a full pass the first time, 2,500 events a page,
	// one transaction a page, the sync token saved with the last page;
	// then the meetings that ended move contacts' last-contact dates.
	rep, err := syncer.SyncUser(ctx, userID)
	if err != nil {
		log.Fatal(err)
	}
	primary := rep.Calendars[0]
	fmt.Printf("%d calendars listed, %d synced: %s pass, %d events read, %d stored\n",
		rep.List.Events, len(rep.Calendars), primary.Kind, primary.Events, primary.Inserted)
	fmt.Printf("%d meetings with %d contacts: %d moved forward\n",
		rep.Interactions.Meetings, rep.Interactions.Matched, rep.Interactions.Moved)

	// A meeting with Ada, added in Google, ending two hours from now.
	account.AddEvent(account.Email(), &gcal.Event{
		Start:     &gcal.EventDateTime{DateTime: now.Add(time.Hour).Format(time.RFC3339)},
		End:       &gcal.EventDateTime{DateTime: now.Add(2 * time.Hour).Format(time.RFC3339)},
		Organizer: &gcal.EventOrganizer{Email: account.Email(), Self: true},
		Attendees: []*gcal.EventAttendee{{Email: account.Email(), Self: true, ResponseStatus: "accepted"},
			{Email: "ADA@example.org", ResponseStatus: "accepted"}},
	})
	// The next sync is incremental. The meeting has not ended: no contact yet.
	rep, err = syncer.SyncUser(ctx, userID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d new event, %d contacts moved\n", rep.Calendars[0].Kind, rep.Calendars[0].Inserted, rep.Interactions.Moved)

	// On a schedule (here: three hours later), the meetings that ended
	// since the last application count: a watermark per user.
	res, err := syncer.ApplyInteractions(ctx, userID, now.Add(3*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	a, err := people.Get(ctx, userID, ada.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("later: %d meeting, %d moved; Ada last contacted %s\n", res.Meetings, res.Moved, a.LastContactDate.UTC().Format(time.Kitchen))

	// The people the user met who are not contacts, most meetings first.
	page, err := syncer.UnmatchedAttendees(ctx, userID, calendar.UnmatchedOptions{Limit: 3})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Attendees {
		fmt.Printf("met %d times, not a contact: %s\n", p.Meetings, p.Email)
	}

	// Failures are typed for a job queue: snooze, drop or retry.
	var rl *calendar.RateLimitError
	switch _, err := syncer.SyncUser(ctx, userID); {
	case errors.Is(err, calendar.ErrBusy): // another worker syncs this calendar: snooze
	case errors.As(err, &rl): // snooze rl.RetryAfter
	case errors.Is(err, calendar.ErrAccessRevoked): // drop; ask the user to reconnect
	case err != nil && calendar.IsRetryable(err): // retry with backoff: a 5xx, the network, the host's token source (vault down)
	case err != nil:
		log.Fatal(err)
	}

	// What a host shows: "calendar synced 5 minutes ago".
	st, err := syncer.Status(ctx, userID, account.Email())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("synced:", st.LastSuccessAt != nil, "failing:", st.FailingSince != nil, "last run:", st.LastRun.Kind)
	// Output:
	// 4 calendars listed, 1 synced: full pass, 2130 events read, 2097 stored
	// 1060 meetings with 234 contacts: 234 moved forward
	// incremental: 1 new event, 0 contacts moved
	// later: 1 meeting, 1 moved; Ada last contacted 8:00PM
	// met 29 times, not a contact: lucia.goncalves.275@example.net
	// met 24 times, not a contact: david.cohen.281@example.org
	// met 20 times, not a contact: james.johnson.267@example.net
	// synced: true failing: false last run: incremental
}

// SyncAll syncs many users of one process, a few at a time; a user that
// fails does not stop the others.
func ExampleSyncer_SyncAll() {
	db, done := exampledb.New("calendar.ExampleSyncer_SyncAll")
	defer done()
	now := time.Date(2026, 10, 20, 18, 0, 0, 0, time.UTC)
	google := googlefake.New(googlefake.Config{Seed: 2, Now: func() time.Time { return now }})
	defer google.Close()
	var users []uuid.UUID
	for i := range 5 {
		u := uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1))
		google.AddAccount(u.String(), googlefake.AccountConfig{Events: 200 * (i + 1), Anchor: now})
		users = append(users, u)
	}
	users = append(users, uuid.New()) // no Google account: its token source fails

	syncer, err := calendar.New(db, calendar.Config{
		TokenSource: google.TokenSourceFunc(), ClientOptions: google.CalendarOptions(),
		Now: func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	all := func(yield func(uuid.UUID, error) bool) { // in a host: a query of its users
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
	rep, err := syncer.SyncAll(context.Background(), all, calendar.AllOptions{Concurrency: 2})
	fmt.Printf("%d users: %d synced, %d failed; %d calendars, %d events\n", rep.Started, rep.Succeeded, rep.Failed, rep.Calendars, rep.Events)
	var ue *calendar.UserError
	var tse *calendar.TokenSourceError
	fmt.Println(errors.As(err, &ue) && ue.UserID == users[5], errors.As(err, &tse))
	// Output:
	// 6 users: 5 synced, 1 failed; 5 calendars, 2113 events
	// true true
}
