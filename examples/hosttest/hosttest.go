// Package hosttest is a tiny host of kith, to show how a host tests its own
// code that calls kith: hosttest_test.go gets a migrated database of its own
// from kithtest in one line.
package hosttest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
)

// MetAt records that a user met someone: it adds them as a weekly contact
// last seen at at, and returns the stored contact.
func MetAt(ctx context.Context, store *contacts.Store, userID uuid.UUID, name string, at time.Time) (contacts.Contact, error) {
	c, err := store.Create(ctx, userID, contacts.Contact{Name: name, Frequency: contacts.FrequencyWeekly})
	if err != nil {
		return contacts.Contact{}, fmt.Errorf("hosttest: met %s: %w", name, err)
	}
	if _, err := store.MarkContacted(ctx, userID, []uuid.UUID{c.ID}, at); err != nil {
		return contacts.Contact{}, fmt.Errorf("hosttest: met %s: %w", name, err)
	}
	return store.Get(ctx, userID, c.ID)
}
