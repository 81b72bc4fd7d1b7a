package suggest

import (
	"context"
	"fmt"
	"iter"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/memguard"
)

// sourceFunc streams the unarchived minimal contacts of one user, checking
// breaker before each page and taking page sizes from sizer. It is the
// seam between the generator and the stream package; tests replace it to
// inject data, failures and pauses.
type sourceFunc func(ctx context.Context, db contacts.Querier, schema string, userID uuid.UUID,
	breaker memguard.Breaker, sizer memguard.BatchSizer) iter.Seq2[contacts.MinimalContact, error]

// streamSource is the production source.
var streamSource sourceFunc = keysetSource

// keysetSource is a stand-in for stream.MinimalContacts: keyset pages in
// id order over the covering unique index.
func keysetSource(ctx context.Context, db contacts.Querier, schema string, userID uuid.UUID,
	breaker memguard.Breaker, sizer memguard.BatchSizer) iter.Seq2[contacts.MinimalContact, error] {
	q := qualify(`SELECT `+contacts.MinimalColumns+` FROM kith.contacts
		WHERE user_id = $1 AND id > $2 AND NOT archived ORDER BY id LIMIT $3`, schema)
	return func(yield func(contacts.MinimalContact, error) bool) {
		var after uuid.UUID
		for {
			if err := breaker.Check(ctx); err != nil {
				yield(contacts.MinimalContact{}, err)
				return
			}
			n := sizer.Next()
			rows, err := db.QueryContext(ctx, q, userID, after, n)
			if err != nil {
				sizer.Done(n, 0, err)
				yield(contacts.MinimalContact{}, fmt.Errorf("page after %s: %w", after, err))
				return
			}
			got := 0
			for rows.Next() {
				var m contacts.MinimalContact
				if err := contacts.ScanMinimal(rows, &m); err != nil {
					rows.Close()
					yield(contacts.MinimalContact{}, err)
					return
				}
				got++
				after = m.ID
				if !yield(m, nil) {
					rows.Close()
					return
				}
			}
			err = rows.Close()
			if err == nil {
				err = rows.Err()
			}
			sizer.Done(n, got, err)
			if err != nil {
				yield(contacts.MinimalContact{}, err)
				return
			}
			if got < n {
				return
			}
		}
	}
}
