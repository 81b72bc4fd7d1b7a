package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/exampledb"
)

// Validation happens before any write and names the field it refuses.
func ExampleContact_Validate() {
	c := contacts.Contact{Name: "Ada Lovelace", Email: "Ada <ada@example.com>", Frequency: contacts.FrequencyMonthly}
	err := c.Validate()
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Field, "refused:", errors.Is(err, contacts.ErrInvalid))
	}
	c.Email = "ada@example.com"
	fmt.Println(c.Validate())
	// Output:
	// email refused: true
	// <nil>
}

func ExampleParseFrequency() {
	f, err := contacts.ParseFrequency("biweekly")
	if err != nil {
		log.Fatal(err)
	}
	every, _ := f.Interval()
	fmt.Println(f, every)
	_, err = contacts.ParseFrequency("hourly")
	fmt.Println(err)
	// Output:
	// biweekly 336h0m0s
	// contacts: invalid frequency: unknown frequency "hourly"
}

// A Store over the host's own handle; every call names the user it acts
// for, and another user's rows do not exist for it.
func ExampleStore() {
	db, done := exampledb.New("ExampleStore") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx := context.Background()
	user, mallory := uuid.New(), uuid.New()

	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ada, err := store.Create(ctx, user, contacts.Contact{
		Name: "Ada Lovelace", Email: "ada@example.com", Frequency: contacts.FrequencyMonthly,
	})
	if err != nil {
		log.Fatal(err)
	}
	family, err := store.CreateGroup(ctx, user, "family")
	if err != nil {
		log.Fatal(err)
	}
	if err := store.AddToGroup(ctx, user, family.ID, ada.ID); err != nil {
		log.Fatal(err)
	}
	// A meeting moves the last contact forward, never back.
	met := time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{met, met.AddDate(0, -1, 0)} {
		moved, err := store.MarkContacted(ctx, user, []uuid.UUID{ada.ID}, at)
		fmt.Println("moved:", moved, err)
	}
	got, err := store.Get(ctx, user, ada.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Name, got.Frequency, got.LastContactDate.UTC().Format(time.DateOnly), len(got.GroupIDs) == 1 && got.GroupIDs[0] == family.ID)

	_, err = store.Get(ctx, mallory, ada.ID)
	fmt.Println("another user:", errors.Is(err, contacts.ErrNotFound))
	_, err = store.CreateGroup(ctx, user, "family")
	fmt.Println(err)
	n, err := store.Count(ctx, user, contacts.CountOptions{})
	fmt.Println("contacts:", n, err)
	// Output:
	// moved: 1 <nil>
	// moved: 0 <nil>
	// Ada Lovelace monthly 2026-03-14 true
	// another user: true
	// contacts: duplicate: create group
	// contacts: 1 <nil>
}
