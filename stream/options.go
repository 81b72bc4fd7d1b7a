package stream

import (
	"fmt"

	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/memguard"
)

// Page sizes.
const (
	// DefaultPageSize is the number of rows a page asks for unless PageSize
	// or PageSizer says otherwise. Each page costs a round trip, planning
	// and an index descent during which the client waits. Measured on
	// 1,000,000 seeded contacts (BenchmarkWalk, medians of 6 runs on a
	// 2-core machine): pages of 5,000 ran at 0.86x the throughput of one
	// unbounded query, pages of 20,000 at 0.95x. An early break reads the
	// rest of the open page (lib/pq drains it): at most 20,000 minimal
	// rows, about 20 ms. lib/pq does not buffer a result, so the page size
	// does not change memory use.
	DefaultPageSize = 20_000
	// DefaultFullPageSize is the default page size of Contacts. A full
	// contact is about six times the size of a minimal one and its pages
	// read the table, not only the index; pages of 1,000 keep an early
	// break's drain to about a megabyte.
	DefaultFullPageSize = 1000
	// MaxPageSize bounds PageSize and whatever a PageSizer returns.
	MaxPageSize = 100_000
)

// An Order is the key a contact stream walks in. The zero value is ByName.
// Each order has an index, so every page is an index range scan.
type Order uint8

const (
	// ByName orders by name, then ID. Names are compared with the
	// database's collation, as ORDER BY name would.
	ByName Order = iota
	// ByLastContact orders by last contact date, then ID. Never-contacted
	// contacts (a NULL date) come first, in ID order, in either direction,
	// unless NeverContactedLast is given: the most overdue first is the
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

// An Option configures a stream. Options are applied in order; a later one
// overrides an earlier one of the same kind. An invalid option is not a
// panic: the stream yields an error matching ErrInvalidOption once, before
// running any query.
type Option func(*config)

type config struct {
	err             error
	pageSize        int
	pageSizeSet     bool
	sizer           memguard.BatchSizer
	breaker         memguard.Breaker
	order           Order
	dir             Direction
	nullsLast       bool
	includeArchived bool
	schema          string
	after           Cursor
	track           *Cursor
}

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// PageSize sets how many rows each page asks for: 1 to MaxPageSize
// (default DefaultPageSize, or DefaultFullPageSize for Contacts). A bigger
// page costs no memory (rows are read as they arrive) but holds a
// connection longer and makes an early break read more rows before the
// connection is free. PageSizer overrides it.
func PageSize(n int) Option {
	return func(c *config) {
		if n < 1 || n > MaxPageSize {
			c.fail(invalidOption("page size %d not in [1, %d]", n, MaxPageSize))
			return
		}
		c.pageSize, c.sizer = n, nil
		c.pageSizeSet = true
	}
}

// PageSizer makes each page's size come from s: Next before the page,
// Done after it. Pass a memguard.Adaptive so pages shrink under memory
// pressure. Sizes above MaxPageSize are clamped. A sizer shared by
// several streams sees all their pages.
func PageSizer(s memguard.BatchSizer) Option {
	return func(c *config) {
		if s == nil {
			c.fail(invalidOption("nil PageSizer"))
			return
		}
		c.sizer = s
	}
}

// Breaker makes the stream call b.Check before each page, the first
// included. A refusal is yielded once (it matches
// memguard.ErrMemoryPressure) and ends the stream; resume later from a
// cursor (see TrackCursor).
func Breaker(b memguard.Breaker) Option {
	return func(c *config) {
		if b == nil {
			c.fail(invalidOption("nil Breaker"))
			return
		}
		c.breaker = b
	}
}

// OrderBy sets the order and direction of the walk (default ByName,
// Ascending). Only the constants of this package are accepted.
func OrderBy(o Order, d Direction) Option {
	return func(c *config) {
		if !o.valid() {
			c.fail(invalidOption("unknown order %v", o))
			return
		}
		if !d.valid() {
			c.fail(invalidOption("unknown direction %v", d))
			return
		}
		c.order, c.dir = o, d
	}
}

// NeverContactedLast puts never-contacted contacts after the others (in
// either direction) when the order is ByLastContact. By default they come
// first. Other orders ignore it.
func NeverContactedLast() Option {
	return func(c *config) { c.nullsLast = true }
}

// IncludeArchived makes the stream yield archived contacts too. By default
// they are skipped.
func IncludeArchived() Option {
	return func(c *config) { c.includeArchived = true }
}

// Schema names the Postgres schema holding kith's tables, as given to
// kith.Migrate; "" (the default) means "kith".
func Schema(name string) Option {
	return func(c *config) {
		if _, err := dbschema.Name(name); err != nil {
			c.fail(invalidOption("schema: %v", err))
			return
		}
		c.schema = name
	}
}

// After makes the stream start right after the item cur was taken at (see
// TrackCursor). The zero Cursor means the start. The cursor must come from
// a stream of the same user, order, direction and placement of
// never-contacted contacts; otherwise the stream yields a *CursorError
// matching ErrCursorMismatch once and runs no query. Whether archived
// contacts are included is not part of a cursor.
func After(cur Cursor) Option {
	return func(c *config) { c.after = cur }
}

// TrackCursor makes the stream store in *cur, before it yields each item,
// the cursor right after that item: in the loop body, *cur is where to
// resume once the current item is handled. Persist cur.String() and resume
// later with ParseCursor and After.
//
// *cur is written by the goroutine that ranges over the stream; do not
// range over one such stream from several goroutines at once.
func TrackCursor(cur *Cursor) Option {
	return func(c *config) {
		if cur == nil {
			c.fail(invalidOption("nil *Cursor for TrackCursor"))
			return
		}
		c.track = cur
	}
}
