package calendar_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/exampledb"
)

// A page of events is written in one statement; ApplyInteractions then
// moves the contacts the user met forward, and UnmatchedAttendees lists
// the people met who are not contacts yet.
func ExampleStore_ApplyInteractions() {
	db, done := exampledb.New("ExampleStore_ApplyInteractions") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx := context.Background()
	now := time.Date(2026, 10, 20, 18, 0, 0, 0, time.UTC)
	store, err := calendar.NewStore(db, calendar.StoreConfig{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	people, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	user := uuid.New()
	ada, err := people.Create(ctx, user, contacts.Contact{Name: "Ada", Email: "ada@home.example", OtherEmails: []string{"ada@work.example"}})
	if err != nil {
		log.Fatal(err)
	}

	me := calendar.Attendee{Email: "me@example.com", Self: true, ResponseStatus: calendar.ResponseAccepted}
	lunch := calendar.Event{
		ID: "lunch1", ICalUID: "lunch1@google.com",
		Start: now.Add(-5 * time.Hour), End: now.Add(-4 * time.Hour), OrganizerSelf: true,
		Attendees: []calendar.Attendee{me,
			{Email: "Ada@Work.example", ResponseStatus: calendar.ResponseAccepted},
			{Email: "grace@example.org", DisplayName: "Grace", ResponseStatus: calendar.ResponseAccepted},
			{Email: "room-4@example.com", Resource: true},
		},
	}
	allHands := calendar.Event{ // 200 people: not a conversation
		ID: "allhands", Start: now.Add(-3 * time.Hour), End: now.Add(-2 * time.Hour), OrganizerSelf: true,
		Attendees: []calendar.Attendee{me, {Email: "ada@home.example", ResponseStatus: calendar.ResponseAccepted}},
	}
	for i := range 198 {
		allHands.Attendees = append(allHands.Attendees, calendar.Attendee{Email: fmt.Sprintf("staff%d@example.com", i)})
	}
	wr, err := store.WriteEvents(ctx, user, "primary", []calendar.Event{lunch, allHands}, calendar.WriteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("written: %d new\n", wr.Inserted)

	res, err := store.ApplyInteractions(ctx, user, now)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("applied: %d meetings, %d contacts moved\n", res.Meetings, res.Moved)
	got, err := people.Get(ctx, user, ada.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Ada last contacted:", got.LastContactDate.UTC().Format(time.RFC3339))

	page, err := store.UnmatchedAttendees(ctx, user, calendar.UnmatchedOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range page.Attendees {
		fmt.Printf("met but not a contact: %s (%s), %d meeting(s)\n", a.Name, a.Email, a.Meetings)
	}
	// Output:
	// written: 2 new
	// applied: 1 meetings, 1 contacts moved
	// Ada last contacted: 2026-10-20T14:00:00Z
	// met but not a contact: Grace (grace@example.org), 1 meeting(s)
}
