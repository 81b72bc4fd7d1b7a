package stream

import (
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/memguard"
)

// Page sizes.
const (
	// DefaultPageSize is the number of rows a page asks for unless
	// Options.PageSize says otherwise. Each page costs a round trip, planning
	// and an index descent during which the client waits. Measured on
	// 1,000,000 seeded contacts (BenchmarkWalk, medians of 6 runs on a
	// 2-core machine): pages of 5,000 ran at 0.86x the throughput of one
	// unbounded query, pages of 20,000 at 0.95x. An early break reads the
	// rest of the open page (lib/pq drains it): at most 20,000 minimal
	// rows, about 20 ms. Neither lib/pq nor pgx
	// buffers a result, so the page size does not change memory use:
	// measured, pages of 250 saved 0.4 MiB of peak heap and cost 1.3 to 1.7
	// times the time of these pages. That is why streams have no adaptive
	// page size.
	DefaultPageSize = 20_000
	// DefaultFullPageSize is the default page size of Contacts. A full
	// contact is about six times the size of a minimal one and its pages
	// read the table, not only the index; pages of 1,000 keep an early
	// break's drain to about a megabyte.
	DefaultFullPageSize = 1000
	// MaxPageSize bounds Options.PageSize.
	MaxPageSize = 100_000
)

// validOrder reports whether o is one of contacts' orders.
func validOrder(o contacts.Order) bool { return o <= contacts.ByID }

// validDirection reports whether d is one of contacts' directions.
func validDirection(d contacts.Direction) bool { return d <= contacts.Descending }

// Options configures one stream. The zero value means the defaults: by
// name, ascending, archived contacts skipped, pages of DefaultPageSize
// (DefaultFullPageSize for Contacts), no breaker, schema "kith", from the
// start. Options are validated when the stream is ranged over: an invalid
// field is not a panic, the stream yields an error matching ErrInvalid
// once, naming the field, and runs no query.
type Options struct {
	// Order is the key of the walk (default contacts.ByName), the same
	// orders as contacts.Store.List. Each order has an index, so every
	// page is an index range scan. Under contacts.ByName the name column
	// has kith's own collation, Unicode's root order (ICU "und"), whatever
	// the database's default: accented names beside their base letters
	// (Álvaro before Brenda), case not splitting the alphabet; without ICU
	// it is the database's collation. contacts.ByCreatedAt and
	// contacts.ByID are stable under concurrent updates. Only contacts'
	// constants are accepted.
	Order contacts.Order
	// Direction is contacts.Ascending (the default) or contacts.Descending;
	// contacts.Descending scans the same indexes backward.
	Direction contacts.Direction
	// NeverContactedLast puts never-contacted contacts after the others
	// (in either direction) when Order is contacts.ByLastContact. By
	// default they come first, in ID order, in either direction: the most
	// overdue first is the natural ascending walk. Other orders ignore it.
	NeverContactedLast bool
	// IncludeArchived makes the stream yield archived contacts too. By
	// default they are skipped.
	IncludeArchived bool

	// PageSize is how many rows each page asks for: 0 means the default
	// (DefaultPageSize, or DefaultFullPageSize for Contacts), else 1 to
	// MaxPageSize. Neither lib/pq nor pgx buffers a result, so the page
	// size does not change memory use: a bigger page only holds a
	// connection longer and makes an early break read more rows before the
	// connection is free; a smaller one costs more round trips.
	PageSize int

	// Breaker, if set, is checked before each page, the first included. A
	// refusal is yielded once (it matches memguard.ErrMemoryPressure) and
	// ends the stream; resume later from a cursor (see TrackCursor).
	Breaker memguard.Breaker

	// Schema names the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string

	// After makes the stream start right after the item the cursor was
	// taken at (see TrackCursor). The zero Cursor means the start. The
	// cursor must come from a stream of the same user, order, direction
	// and placement of never-contacted contacts; otherwise the stream
	// yields a *CursorError matching ErrCursorMismatch once and runs no
	// query. Whether archived contacts are included is not part of a
	// cursor.
	After Cursor

	// TrackCursor, if set, makes the stream store in *TrackCursor, before
	// it yields each item, the cursor right after that item: in the loop
	// body, *TrackCursor is where to resume once the current item is
	// handled. Persist its String and resume later with ParseCursor and
	// After.
	//
	// *TrackCursor is written by the goroutine that ranges over the
	// stream; do not range over one such stream from several goroutines at
	// once.
	TrackCursor *Cursor
}

// check validates o, returning the error a stream yields for it.
func (o *Options) check() error {
	switch {
	case !validOrder(o.Order):
		return invalid("Options.Order %v: must be contacts.ByName, contacts.ByLastContact, contacts.ByCreatedAt or contacts.ByID", o.Order)
	case !validDirection(o.Direction):
		return invalid("Options.Direction %v: must be contacts.Ascending or contacts.Descending", o.Direction)
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return invalid("Options.PageSize %d: must be in [1, %d], or 0 for the default", o.PageSize, MaxPageSize)
	}
	if _, err := dbschema.Name(o.Schema); err != nil {
		return invalid("Options.Schema: %v", err)
	}
	if o.Breaker != nil && argcheck.IsNil(o.Breaker) {
		return invalid("Options.Breaker: typed nil %T", o.Breaker)
	}
	return nil
}
