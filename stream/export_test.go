package stream

import (
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/contactsql"
)

// PageQuery is one page statement of a stream, for tests that read plans.
type PageQuery struct {
	Query string
	Args  []any
}

// PageQueries returns every page statement a contact stream with opts can
// run: the first page of each part, and a page after the key (name, t, id).
func PageQueries(userID uuid.UUID, minimal bool, name string, t time.Time, id uuid.UUID, limit int, opts Options) []PageQuery {
	proj := contactsql.Full
	if minimal {
		proj = contactsql.Minimal
	}
	p := newPlan(&opts, proj)
	var out []PageQuery
	for _, null := range []bool{false, true} {
		if null && opts.Order != contacts.ByLastContact {
			continue
		}
		for _, begun := range []bool{false, true} {
			q, args := p.query(userID, contactKey{begun: begun, null: null, name: name, t: t, id: id}, limit)
			out = append(out, PageQuery{q, args})
		}
	}
	return out
}

// NewCursor builds the cursor a stream would track after an item.
func NewCursor(user uuid.UUID, order contacts.Order, dir contacts.Direction, nullsLast, null bool, name string, t time.Time, id uuid.UUID) Cursor {
	return Cursor{user: user, order: order, dir: dir, nullsLast: nullsLast,
		key: contactKey{begun: true, null: null, name: name, t: t, id: id}}
}
