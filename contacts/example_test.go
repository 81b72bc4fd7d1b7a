package contacts_test

import (
	"context"
	"encoding/json"
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
	// contacts: duplicate: create group "family": a group named "family" exists
	// contacts: 1 <nil>
}

// Addresses match whatever their case or the form of their domain.
func ExampleNormalizeEmail() {
	for _, e := range []string{" Ann@Example.COM", "ann+news@example.com", "Ann@BÜCHER.example"} {
		key, err := contacts.NormalizeEmail(e)
		fmt.Println(key, err)
	}
	_, err := contacts.NormalizeEmail("Ann <ann@example.com>")
	fmt.Println(errors.Is(err, contacts.ErrInvalid))
	// Output:
	// ann@example.com <nil>
	// ann+news@example.com <nil>
	// ann@xn--bcher-kva.example <nil>
	// true
}

// A calendar sync matches an attendee to every contact holding the
// address, primary or not, whatever its case.
func ExampleStore_FindByEmail() {
	db, done := exampledb.New("ExampleStore_FindByEmail") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Create(ctx, user, contacts.Contact{
		Name: "Ada Lovelace", Email: "ada@example.com", OtherEmails: []string{"ada@analytical.example"},
	}); err != nil {
		log.Fatal(err)
	}
	found, err := store.FindByEmail(ctx, user, "ADA@Analytical.example") // as the calendar spelled it
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range found {
		fmt.Println(c.Name, c.Email, c.OtherEmails)
	}
	// Output:
	// Ada Lovelace ada@example.com [ada@analytical.example]
}

// A form that edits the name and notes sends only those; the copy's
// Version makes an edit from a stale screen fail instead of overwriting a
// newer write.
func ExampleStore_Patch() {
	db, done := exampledb.New("ExampleStore_Patch") // in a host: its *sqlx.DB, after kith.Migrate
	defer done()
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	shown, err := store.Create(ctx, user, contacts.Contact{
		Name: "Ada Lovelace", Email: "ada@example.com", Frequency: contacts.FrequencyMonthly,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The request body of the form.
	var patch contacts.ContactPatch
	if err := json.Unmarshal([]byte(`{"Name": "Ada King", "Notes": "Countess of Lovelace"}`), &patch); err != nil {
		log.Fatal(err)
	}
	saved, err := store.Patch(ctx, user, shown.ID, patch, shown.Version)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(saved.Name, saved.Email, saved.Frequency, saved.Version) // email and frequency kept

	// The same form submitted again from the old screen.
	_, err = store.Patch(ctx, user, shown.ID, patch, shown.Version)
	var conflict *contacts.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println("changed meanwhile: stored version", conflict.Stored, "form's", conflict.Given)
	}
	// Output:
	// Ada King ada@example.com monthly 2
	// changed meanwhile: stored version 2 form's 1
}
