package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
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

// A Store over the host's own handle; every call names the user it acts for.
// (Compiled, not run: it needs a database.)
func ExampleStore() {
	var db *sqlx.DB // the host's, after kith.Migrate
	ctx, user := context.Background(), uuid.New()

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
	if _, err := store.MarkContacted(ctx, user, []uuid.UUID{ada.ID}, time.Now()); err != nil {
		log.Fatal(err)
	}
}
