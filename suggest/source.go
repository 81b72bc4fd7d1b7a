package suggest

import (
	"context"
	"iter"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
)

// sourceFunc streams the unarchived minimal contacts of one user, checking
// breaker before each page, in pages of pageSize (0: the stream's
// default). It is the seam between the generator and
// package stream; tests wrap it to inject failures and pauses.
type sourceFunc func(ctx context.Context, db kith.DB, schema string, userID uuid.UUID,
	breaker memguard.Breaker, pageSize int) iter.Seq2[contacts.MinimalContact, error]

// streamSource walks the user's contacts in ID order: the cheapest order,
// and the only kind (with creation time) whose keys never change, so a
// contact updated during the walk (say, accepted and marked contacted) is
// still yielded exactly once. The ranking does not depend on the order.
func streamSource(ctx context.Context, db kith.DB, schema string, userID uuid.UUID,
	breaker memguard.Breaker, pageSize int) iter.Seq2[contacts.MinimalContact, error] {
	return stream.MinimalContacts(ctx, db, userID, stream.Options{
		Schema:   schema,
		Order:    contacts.ByID,
		Breaker:  breaker,
		PageSize: pageSize,
	})
}
