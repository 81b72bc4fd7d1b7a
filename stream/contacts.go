package stream

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strconv"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/keyset"
)

// MinimalContacts returns a stream of userID's contacts as MinimalContact,
// the hot-path projection, in the order opts gives (the zero Options: by
// name, ascending, archived contacts skipped, pages of DefaultPageSize).
// Each page is an index-only range scan of a covering index.
//
// The stream is lazy and re-iterable: nothing runs until it is ranged
// over, and each range walks again (from opts.After, if set). It may be
// ranged by several goroutines at once unless opts.TrackCursor is set.
// See Walk for what holds a connection, what an early break does and how
// errors end a stream: a stream that ends without yielding an error
// yielded every contact it should have.
//
// Only userID's contacts are read: the user is always a bind parameter of
// every page, and a cursor of another user is refused.
//
// # Concurrent changes
//
// Pages are separate statements, so the walk is not a snapshot. A contact
// that exists, unarchived, for the whole walk and whose sort key does not
// change is yielded exactly once, whatever else is inserted, updated,
// archived or deleted meanwhile. One whose sort key changes during the
// walk (a rename under contacts.ByName, a new last contact date under
// contacts.ByLastContact) may be yielded twice or not at all, depending on whether
// it moved across the walk's position; contacts.ByID and contacts.ByCreatedAt have
// immutable keys. Contacts created, archived or deleted during the walk
// may or may not appear.
func MinimalContacts(ctx context.Context, db kith.DB, userID uuid.UUID, opts Options) iter.Seq2[contacts.MinimalContact, error] {
	return contactStream(ctx, db, userID, opts, contactsql.Minimal, minimalScanner())
}

// Contacts is MinimalContacts for full contacts (every column; GroupIDs
// included). Its pages are index range scans that also read the table;
// they hold DefaultFullPageSize rows unless opts.PageSize says otherwise.
func Contacts(ctx context.Context, db kith.DB, userID uuid.UUID, opts Options) iter.Seq2[contacts.Contact, error] {
	return contactStream(ctx, db, userID, opts, contactsql.Full, fullScanner())
}

// A binder returns the function that reads one row of a contact stream
// into item and its key. It is called once per page: the destinations are
// bound once and every row of the page is scanned into them.
type binder[T any] func(order contacts.Order, item *T, key *contactKey) func(rows *sql.Rows) error

func minimalScanner() binder[contacts.MinimalContact] {
	dests := contactsql.Dests[contacts.MinimalContact](contactsql.Minimal)
	return func(order contacts.Order, m *contacts.MinimalContact, key *contactKey) func(*sql.Rows) error {
		dest := dests(m)
		if order == contacts.ByCreatedAt {
			// MinimalContact has no creation time: the page selects it
			// after the minimal columns.
			dest = append(dest, &key.t)
		}
		return func(rows *sql.Rows) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			key.id, key.name = m.ID, m.Name
			if order == contacts.ByLastContact {
				key.null = m.LastContactDate == nil
				if !key.null {
					key.t = *m.LastContactDate
				}
			}
			return nil
		}
	}
}

func fullScanner() binder[contacts.Contact] {
	dests := contactsql.Dests[contacts.Contact](contactsql.Full)
	return func(order contacts.Order, c *contacts.Contact, key *contactKey) func(*sql.Rows) error {
		dest := dests(c)
		return func(rows *sql.Rows) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			key.id, key.name, key.t = c.ID, c.Name, c.CreatedAt
			if order == contacts.ByLastContact {
				key.null = c.LastContactDate == nil
				if !key.null {
					key.t = *c.LastContactDate
				}
			}
			return nil
		}
	}
}

// checkArgs validates a contact stream's arguments and options, returning
// the error the stream yields before any query.
func checkArgs(db kith.DB, userID uuid.UUID, opts *Options) error {
	if err := argcheck.Handle(db); err != nil {
		return invalid("%v", err)
	}
	if err := argcheck.User(userID); err != nil {
		return fmt.Errorf("%w user_id: %w", ErrInvalid, err)
	}
	if err := opts.check(); err != nil {
		return err
	}
	return opts.After.fits(userID, opts)
}

func contactStream[T any](ctx context.Context, db kith.DB, userID uuid.UUID, opts Options, proj contactsql.Projection, bind binder[T]) iter.Seq2[T, error] {
	if err := checkArgs(db, userID, &opts); err != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, err)
		}
	}
	pageSize := opts.PageSize
	if pageSize == 0 {
		pageSize = DefaultPageSize
		if proj == contactsql.Full {
			pageSize = DefaultFullPageSize
		}
	}
	p := newPlan(&opts, proj)
	start := p.firstPart()
	if !opts.After.IsZero() {
		start = opts.After.key
	}
	order, track := opts.Order, opts.TrackCursor
	base := Cursor{user: userID, order: opts.Order, dir: opts.Direction, nullsLast: opts.NeverContactedLast && opts.Order == contacts.ByLastContact}
	ks := keyset.Keyset[T, contactKey]{
		Start: start,
		Query: func(after contactKey, limit int) (string, []any) { return p.query(userID, after, limit) },
		Bind: func(item *T, key *contactKey) func(*sql.Rows) error {
			scan := bind(order, item, key)
			return func(rows *sql.Rows) error {
				if err := scan(rows); err != nil {
					return err
				}
				key.begun = true
				if track != nil {
					c := base
					c.key = *key
					*track = c
				}
				return nil
			}
		},
		Next:     p.next,
		PageSize: min(pageSize, MaxPageSize),
		Breaker:  opts.Breaker,
	}
	return notMigrated(walk(ctx, db, ks)) // db is not nil: checkArgs refused that
}

// A plan holds the page queries of one contact stream, built once from
// typed options: nothing a caller passes is spliced into SQL but the
// schema name, which Options.check checked.
type plan struct {
	order      contacts.Order
	nullsFirst bool // contacts.ByLastContact: the never-contacted part comes first
	// [part][begun]: part 0 is the only part, or the non-null part of
	// contacts.ByLastContact; part 1 is its never-contacted part.
	queries [2][2]string
}

func newPlan(opts *Options, proj contactsql.Projection) *plan {
	schema, _ := dbschema.Name(opts.Schema) // checked by Options.check
	p := &plan{order: opts.Order, nullsFirst: !opts.NeverContactedLast}
	minimal, columns := proj == contactsql.Minimal, proj.Columns()
	if minimal && opts.Order == contacts.ByCreatedAt {
		columns += ", created_at"
	}
	selected := columns
	if !minimal {
		selected = "id"
		if col := orderColumn(opts.Order); col != "" {
			selected += ", " + col
		}
	}
	where := "SELECT " + selected + " FROM kith.contacts WHERE user_id = $1"
	if !opts.IncludeArchived {
		where += " AND NOT archived"
	}
	op, dir := " > ", ""
	if opts.Direction == contacts.Descending {
		op, dir = " < ", " DESC"
	}
	col := orderColumn(opts.Order)
	orderBy := " ORDER BY id" + dir
	if col != "" {
		// The exact column order of the order's index, scanned forward or
		// backward.
		orderBy = " ORDER BY " + col + dir + ", id" + dir
	}
	build := func(cond string, nparams int) string {
		page := where + cond + orderBy + " LIMIT $" + strconv.Itoa(nparams+1)
		if !minimal {
			page = fullPage(page, col, dir, columns)
		}
		return dbschema.Qualify(page, schema)
	}
	switch opts.Order {
	case contacts.ByID:
		p.queries[0] = [2]string{build("", 1), build(" AND id"+op+"$2", 2)}
	case contacts.ByLastContact:
		p.queries[0] = [2]string{build(" AND last_contact_date IS NOT NULL", 1), build(" AND (last_contact_date, id)"+op+"($2, $3)", 3)}
		p.queries[1] = [2]string{build(" AND last_contact_date IS NULL", 1), build(" AND last_contact_date IS NULL AND id"+op+"$2", 2)}
	default:
		p.queries[0] = [2]string{build("", 1), build(" AND ("+col+", id)"+op+"($2, $3)", 3)}
	}
	return p
}

// orderColumn is the sort key's column of o, "" for contacts.ByID.
func orderColumn(o contacts.Order) string {
	switch o {
	case contacts.ByName:
		return "name"
	case contacts.ByLastContact:
		return "last_contact_date"
	case contacts.ByCreatedAt:
		return "created_at"
	}
	return ""
}

// fullPage turns a keyset page of keys into a page of full rows. The keys
// come from an index-only scan of the order's index, bounded by the LIMIT;
// each row is then fetched by its primary key. Asked for full rows
// directly, the planner may prefer a bitmap scan of everything past the key
// followed by a sort, which reads the rest of the user's contacts for every
// page. The LIMIT 1 keeps the lateral subquery from being flattened into a
// join the planner could turn into a hash join; the nested loop keeps the
// keys' order, so the outer ORDER BY costs no sort.
func fullPage(keys, col, dir, columns string) string {
	orderBy := " ORDER BY k.id" + dir
	if col != "" {
		orderBy = " ORDER BY k." + col + dir + ", k.id" + dir
	}
	return "SELECT c.* FROM (" + keys + ") AS k CROSS JOIN LATERAL (SELECT " + columns +
		" FROM kith.contacts AS r WHERE r.user_id = $1 AND r.id = k.id LIMIT 1) AS c" + orderBy
}

// firstPart returns the key that starts a walk from the beginning.
func (p *plan) firstPart() contactKey {
	return contactKey{null: p.order == contacts.ByLastContact && p.nullsFirst}
}

// next moves a contacts.ByLastContact walk from its first part to its second.
func (p *plan) next(after contactKey) (contactKey, bool) {
	if p.order != contacts.ByLastContact || after.null != p.nullsFirst {
		return contactKey{}, false
	}
	return contactKey{null: !after.null}, true
}

func (p *plan) query(user uuid.UUID, k contactKey, limit int) (string, []any) {
	part, begun := 0, 0
	if k.null {
		part = 1
	}
	if k.begun {
		begun = 1
	}
	q := p.queries[part][begun]
	switch {
	case !k.begun:
		return q, []any{user, limit}
	case p.order == contacts.ByID, k.null:
		return q, []any{user, k.id, limit}
	case p.order == contacts.ByName:
		return q, []any{user, k.name, k.id, limit}
	default:
		return q, []any{user, k.t, k.id, limit}
	}
}
