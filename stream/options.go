package stream

import (
	"fmt"

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

// An Order is the key a contact stream walks in. The zero value is ByName.
// Each order has an index, so every page is an index range scan.
type Order uint8

const (
	// ByName orders by name, then ID. The name column has kith's own
	// collation, Unicode's root order (ICU "und"), whatever the database's
	// default: accented names beside their base letters (Álvaro before
	// Brenda), case not splitting the alphabet. Without ICU it is the
	// database's collation.
	ByName Order = iota
	// ByLastContact orders by last contact date, then ID. Never-contacted
	// contacts (a NULL date) come first, in ID order, in either direction,
	// unless Options.NeverContactedLast is set: the most overdue first is the
	// natural ascending walk.
	ByLastContact
	// ByCreatedAt orders by creation time, then ID. Creation times never
	// change, so this order (like ByID) is stable under concurrent updates.
	ByCreatedAt
	// ByID orders by ID alone: the cheapest order, stable under updates.
	ByID
)

func (o Order) String() string {
	switch o {
	case ByName:
		return "name"
	case ByLastContact:
		return "last contact"
	case ByCreatedAt:
		return "created at"
	case ByID:
		return "id"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

func (o Order) valid() bool { return o <= ByID }

// A Direction is Ascending (the zero value) or Descending.
type Direction uint8

// The directions of a walk. Descending scans the same indexes backward.
const (
	Ascending Direction = iota
	Descending
)

func (d Direction) String() string {
	switch d {
	case Ascending:
		return "ascending"
	case Descending:
		return "descending"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

func (d Direction) valid() bool { return d <= Descending }

// Options configures one stream. The zero value means the defaults: by
// name, ascending, archived contacts skipped, pages of DefaultPageSize
// (DefaultFullPageSize for Contacts), no breaker, schema "kith", from the
// start. Options are validated when the stream is ranged over: an invalid
// field is not a panic, the stream yields an error matching ErrInvalid
// once, naming the field, and runs no query.
type Options struct {
	// Order is the key of the walk (default ByName). Only the constants of
	// this package are accepted.
	Order Order
	// Direction is Ascending (the default) or Descending.
	Direction Direction
	// NeverContactedLast puts never-contacted contacts after the others
	// (in either direction) when Order is ByLastContact. By default they
	// come first. Other orders ignore it.
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
	case !o.Order.valid():
		return invalid("Options.Order %v: must be ByName, ByLastContact, ByCreatedAt or ByID", o.Order)
	case !o.Direction.valid():
		return invalid("Options.Direction %v: must be Ascending or Descending", o.Direction)
	case o.PageSize < 0 || o.PageSize > MaxPageSize:
		return invalid("Options.PageSize %d: must be in [1, %d], or 0 for the default", o.PageSize, MaxPageSize)
	}
	if _, err := dbschema.Name(o.Schema); err != nil {
		return invalid("Options.Schema: %v", err)
	}
	return nil
}
