package contacts

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/keyset"
)

// Page sizes of List and Search.
const (
	// DefaultListLimit is the page size of List and Search when
	// ListOptions.Limit is 0.
	DefaultListLimit = 50
	// MaxListLimit bounds ListOptions.Limit and SearchOptions.Limit.
	MaxListLimit = 1000
)

// An Order is the key List walks in, and the key of the stream package's
// contact streams (stream.Options.Order). The zero value is ByName.
type Order uint8

// The orders of List and of streams. Each has an index, so a page is an index range scan.
const (
	// ByName orders by name, then ID, in the names collation (see the
	// package documentation): accented names sit beside their base letters
	// and case does not split the alphabet.
	ByName Order = iota
	// ByLastContact orders by last contact date, then ID. Never-contacted
	// contacts come first unless ListOptions.NeverContactedLast is set.
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
	return "Order(" + strconv.Itoa(int(o)) + ")"
}

// A Direction is Ascending (the zero value) or Descending.
type Direction uint8

// The directions of List and of streams. Descending scans the same indexes backward.
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
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// ArchivedFilter says which contacts List returns by their archived flag.
type ArchivedFilter uint8

// The archived filters. The zero value leaves archived contacts out.
const (
	ExcludeArchived ArchivedFilter = iota
	OnlyArchived
	IncludeArchived
)

// DueFilter selects contacts by whether they are due for a contact.
//
// Due means what it means to the suggest package (suggest.Calendar.Due),
// in the user's time zone (ListOptions.Location): a contact whose
// frequency has an interval is due from the local date of its last
// contact plus the interval (weekly 7 days, monthly the same day of the
// next month, ... the day clamped to the month's length), or at once when
// it was never contacted. Flexible and no frequency are never due, nor is
// an archived contact.
type DueFilter uint8

// The due filters. The zero value does not filter.
const (
	AnyDue DueFilter = iota
	// OnlyDue keeps the contacts that are due as of ListOptions.AsOf.
	OnlyDue
	// NotDue keeps the others: no interval (no frequency, flexible),
	// contacted within the interval (a last contact in the future
	// included), or archived.
	NotDue
)

// SourceFilter selects contacts by where they come from.
type SourceFilter uint8

// The source filters. The zero value does not filter.
const (
	AnySource SourceFilter = iota
	// GoogleSynced keeps the contacts linked to a Google person (a
	// non-empty GoogleResourceName).
	GoogleSynced
	// Manual keeps the contacts with no Google link.
	Manual
)

// ListOptions asks List for one page. The zero value asks for the first
// page of DefaultListLimit unarchived contacts by name.
type ListOptions struct {
	// Limit is the page size: 0 means DefaultListLimit, at most
	// MaxListLimit.
	Limit int
	// PageToken is Page.NextPageToken of the previous page, "" for the
	// first page. A token is bound to its user, order, direction and
	// filters: given with others, List refuses it with ErrInvalid.
	PageToken string

	Order     Order
	Direction Direction
	// NeverContactedLast puts never-contacted contacts after the others
	// in ByLastContact order (by default they come first).
	NeverContactedLast bool

	// GroupID keeps the members of one group; uuid.Nil means any. A group
	// that is not the user's has no members.
	GroupID uuid.UUID
	// Archived: ExcludeArchived (default), OnlyArchived, IncludeArchived.
	Archived ArchivedFilter
	// Frequencies keeps contacts with one of these frequencies
	// (FrequencyNone included if listed); empty means any.
	Frequencies []Frequency
	// Due keeps the due contacts or the others (see DueFilter).
	Due DueFilter
	// AsOf is the time Due is judged at. Zero means now for a first page
	// and the first page's time for the pages after it, so that one walk
	// of pages sees one definition of due.
	AsOf time.Time
	// Location is the user's time zone, in which Due counts days; nil
	// means UTC (as in the suggest package). Pages after the first must
	// give the same zone.
	Location *time.Location
	// Source keeps Google-synced or manual contacts.
	Source SourceFilter
}

// A Page is one page of List or Search.
type Page struct {
	// Contacts is never nil; it is empty when nothing (more) matched.
	Contacts []Contact
	// NextPageToken gets the next page, "" when this page is the last.
	NextPageToken string
}

// List returns one page of userID's contacts in the order and with the
// filters opts gives: the list screen of a UI. Pages are keyset pages (no
// OFFSET): each page's cost depends on its size, not on its position nor
// on how many contacts the user has, and a contact added or removed
// between two pages shifts nothing. The contacts of a page are full
// contacts.
//
// Each page reads its contacts through an index that leads with the user.
// ByName pages have an index per filter (archived, Google-synced, manual,
// frequency), so a page reads about as many index entries as it returns;
// a due filter reads within the frequency index, so a page reads about
// Limit divided by the share of due (or not due) contacts among those of
// each frequency. A group filter reads the group's members when the group
// is small (under 5,000 members) and walks the order's index keeping the
// members when it is large. Other orders apply filters to the order's
// index: a page reads about Limit divided by the share of contacts that
// match.
func (s *Store) List(ctx context.Context, userID uuid.UUID, opts ListOptions) (Page, error) {
	if err := checkUser(userID); err != nil {
		return Page{}, err
	}
	f, err := newListFilter(&opts)
	if err != nil {
		return Page{}, err
	}
	start := listKey{null: opts.Order == ByLastContact && !opts.NeverContactedLast}
	if opts.PageToken != "" {
		tok, err := parseListToken(opts.PageToken)
		if err != nil {
			return Page{}, err
		}
		if err := tok.fits(userID, f, &opts); err != nil {
			return Page{}, err
		}
		start, f.asOf = tok.key, tok.filter.asOf
	}
	if f.asOf.IsZero() {
		f.asOf = time.Now()
	}
	f.asOf = f.asOf.Truncate(time.Microsecond)
	p := newListPlan(s.schema, f)
	return s.page(ctx, userID, opts.Limit, start, p.query, p.next, func(k listKey) string {
		return listToken{user: userID, filter: f, key: k}.String()
	})
}

// A listFilter is the validated order and filters of a List call: what a
// page token is bound to.
type listFilter struct {
	order       Order
	dir         Direction
	nullsLast   bool
	group       uuid.UUID
	archived    ArchivedFilter
	frequencies []Frequency // sorted, distinct; nil: any
	due         DueFilter
	source      SourceFilter
	asOf        time.Time // Due's time (zero until set)
	loc         *time.Location
}

func newListFilter(o *ListOptions) (listFilter, error) {
	switch {
	case o.Limit == 0:
		o.Limit = DefaultListLimit
	case o.Limit < 0 || o.Limit > MaxListLimit:
		return listFilter{}, &FieldError{Field: "limit", Reason: fmt.Sprintf("%d not in [1, %d]", o.Limit, MaxListLimit), Len: o.Limit, Max: MaxListLimit}
	}
	if o.Order > ByID {
		return listFilter{}, &FieldError{Field: "order", Reason: "unknown order " + o.Order.String()}
	}
	if o.Direction > Descending {
		return listFilter{}, &FieldError{Field: "direction", Reason: "unknown direction " + o.Direction.String()}
	}
	if o.Archived > IncludeArchived {
		return listFilter{}, &FieldError{Field: "archived", Reason: fmt.Sprintf("unknown archived filter %d", o.Archived)}
	}
	if o.Due > NotDue {
		return listFilter{}, &FieldError{Field: "due", Reason: fmt.Sprintf("unknown due filter %d", o.Due)}
	}
	if o.Source > Manual {
		return listFilter{}, &FieldError{Field: "source", Reason: fmt.Sprintf("unknown source filter %d", o.Source)}
	}
	var freqs []Frequency
	for _, fr := range o.Frequencies {
		if !fr.Valid() {
			return listFilter{}, &FieldError{Field: "frequency", Reason: fmt.Sprintf("unknown frequency %q", string(fr))}
		}
		freqs = append(freqs, fr)
	}
	slices.Sort(freqs)
	freqs = slices.Compact(freqs)
	if len(freqs) == len(allFrequencies) {
		freqs = nil // every frequency: no filter
	}
	f := listFilter{
		order: o.Order, dir: o.Direction, nullsLast: o.NeverContactedLast && o.Order == ByLastContact,
		group: o.GroupID, archived: o.Archived, frequencies: freqs, due: o.Due, source: o.Source,
	}
	if o.Due != AnyDue {
		f.asOf, f.loc = o.AsOf, o.Location
		if f.loc == nil {
			f.loc = time.UTC
		}
	}
	return f, nil
}

// allFrequencies is every stored frequency value, FrequencyNone included.
var allFrequencies = append([]Frequency{FrequencyNone}, frequencies[:]...)

// listKey is the position after a row of a page walk, within one part of
// the walk (ByLastContact has a never-contacted part and a dated part).
type listKey struct {
	begun bool      // a row of this part was seen: the fields below are its key
	null  bool      // ByLastContact: the never-contacted part
	name  string    // ByName
	t     time.Time // ByLastContact (dated part), ByCreatedAt
	score float32   // Search
	id    uuid.UUID
}

// keyed is a row of a page and its key.
type keyed struct {
	c   Contact
	key listKey
}

var pageErrors = keyset.Errors{Pkg: "contacts", Invalid: ErrInvalid}

// page reads one page of limit contacts (and one more, to know whether
// another page follows) with the keyset engine, starting after start.
func (s *Store) page(ctx context.Context, userID uuid.UUID, limit int, start listKey,
	query func(user uuid.UUID, after listKey, limit int) (string, []any),
	next func(listKey) (listKey, bool), token func(listKey) string) (Page, error) {
	ks := keyset.Keyset[keyed, listKey]{
		Start: start,
		Query: func(after listKey, n int) (string, []any) { return query(userID, after, n) },
		Scan: func(rows *sql.Rows, item *keyed, key *listKey) error {
			if err := scanKeyed(rows, item); err != nil {
				return err
			}
			*key = item.key
			return nil
		},
		Next:     next,
		PageSize: limit + 1,
	}
	out := Page{Contacts: make([]Contact, 0, limit)}
	var last listKey
	for row, err := range keyset.Walk(ctx, s.db, ks, pageErrors) {
		if err != nil {
			return Page{}, err
		}
		if len(out.Contacts) == limit {
			out.NextPageToken = token(last)
			break
		}
		out.Contacts = append(out.Contacts, row.c)
		last = row.key
	}
	return out, nil
}

// scanKeyed reads a page row: the key columns (part, name, time, score),
// then Columns.
func scanKeyed(rows *sql.Rows, k *keyed) error {
	var name sql.NullString
	var t sql.NullTime
	var score sql.NullFloat64
	var null sql.NullBool
	if err := scanContact(prefixed{rows, []any{&null, &name, &t, &score}}, &k.c); err != nil {
		return err
	}
	k.key = listKey{begun: true, null: null.Bool, name: name.String, t: t.Time.UTC(), score: float32(score.Float64), id: k.c.ID}
	return nil
}

// prefixed scans extra leading columns before the ones its caller asks for.
type prefixed struct {
	rows  *sql.Rows
	extra []any
}

func (p prefixed) Scan(dest ...any) error {
	return p.rows.Scan(append(slices.Clone(p.extra), dest...)...)
}

// smallGroup is the member count below which a group filter reads the
// group's members rather than walking the order's index: a page then
// reads at most this many memberships, or about Limit × contacts / members
// index entries for larger groups (at most 10,000 for a page of 50 of a
// million contacts).
const smallGroup = 5000

// A listPlan builds the page queries of one List call. Nothing a caller
// passes is spliced into SQL: values are bind parameters, and the SQL text
// is chosen from the typed filter.
type listPlan struct {
	schema string
	f      listFilter
}

func newListPlan(schema string, f listFilter) *listPlan { return &listPlan{schema: schema, f: f} }

// next moves a ByLastContact walk from its first part to its second.
func (p *listPlan) next(after listKey) (listKey, bool) {
	if p.f.order != ByLastContact || after.null == p.f.nullsLast {
		return listKey{}, false
	}
	return listKey{null: !after.null}, true
}

// args collects bind parameters.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// keyColumn is the order's key column ("" for ByID).
func keyColumn(o Order) string {
	switch o {
	case ByName:
		return "name"
	case ByLastContact:
		return "last_contact_date"
	case ByCreatedAt:
		return "created_at"
	}
	return ""
}

func (p *listPlan) query(user uuid.UUID, after listKey, limit int) (string, []any) {
	a := args{user}
	f := &p.f
	col := keyColumn(f.order)
	op, dir := " > ", ""
	if f.dir == Descending {
		op, dir = " < ", " DESC"
	}
	orderBy := func(alias string) string {
		if col == "" {
			return " ORDER BY " + alias + "id" + dir
		}
		return " ORDER BY " + alias + col + dir + ", " + alias + "id" + dir
	}
	// The keyset condition and the part of a ByLastContact walk.
	keyCond := func(alias string) string {
		var c string
		if f.order == ByLastContact {
			if after.null {
				c = " AND " + alias + "last_contact_date IS NULL"
			} else {
				c = " AND " + alias + "last_contact_date IS NOT NULL"
			}
		}
		if !after.begun {
			return c
		}
		switch {
		case f.order == ByID, after.null:
			return c + " AND " + alias + "id" + op + a.add(after.id)
		case f.order == ByName:
			return c + " AND (" + alias + "name, " + alias + "id)" + op + "(" + a.add(after.name) + ", " + a.add(after.id) + ")"
		default:
			return c + " AND (" + alias + col + ", " + alias + "id)" + op + "(" + a.add(after.t) + ", " + a.add(after.id) + ")"
		}
	}
	lim := a.add(limit)
	keyCols := func(alias string) string {
		s := alias + "id"
		if col != "" {
			s += ", " + alias + col
		}
		return s
	}
	var keys string
	switch {
	case f.group != uuid.Nil:
		// Small groups: the members, then a sort of at most smallGroup
		// rows. Large groups: the order's index, keeping members. The
		// probe counts at most smallGroup members and gates one branch.
		g := a.add(f.group)
		small := strconv.Itoa(smallGroup)
		members := "SELECT " + keyCols("c.") + " FROM kith.contact_groups AS m JOIN kith.contacts AS c ON c.user_id = m.user_id AND c.id = m.contact_id" +
			" WHERE m.user_id = $1 AND m.group_id = " + g + " AND (SELECT n FROM probe) < " + small +
			p.filters(&a, "c.", false) + keyCond("c.") + orderBy("c.") + " LIMIT " + lim
		walk := "SELECT " + keyCols("") + " FROM kith.contacts WHERE user_id = $1 AND group_ids @> ARRAY[" + g + "::uuid]" +
			" AND (SELECT n FROM probe) >= " + small + p.filters(&a, "", false) + keyCond("") + orderBy("") + " LIMIT " + lim
		// The probe reads the (user, group) range of the membership index
		// in its order: without the ORDER BY, a group holding much of the
		// table made a sequential scan that stops after small matches look
		// cheaper, and its cost would depend on other users' rows.
		keys = "WITH probe AS (SELECT count(*) AS n FROM (SELECT 1 FROM kith.contact_groups WHERE user_id = $1 AND group_id = " + g +
			" ORDER BY user_id, group_id, contact_id LIMIT " + small + ") AS p) SELECT * FROM ((" + members + ") UNION ALL (" + walk + ")) AS u" + orderBy("u.") + " LIMIT " + lim
	case f.order == ByName && (f.frequencies != nil || f.due != AnyDue):
		// One ordered range of the (user, frequency, name, id) index per
		// frequency, merged: each keeps the name order.
		var branches []string
		for _, fr := range p.freqs() {
			due := p.dueOf(&a, "", fr)
			if due == "-" {
				continue
			}
			cond := " AND frequency = " + a.add(string(fr)) + due
			branches = append(branches, "(SELECT "+keyCols("")+" FROM kith.contacts WHERE user_id = $1"+cond+
				p.filters(&a, "", true)+keyCond("")+orderBy("")+" LIMIT "+lim+")")
		}
		if len(branches) == 0 {
			keys = "SELECT " + keyCols("") + " FROM kith.contacts WHERE user_id = $1 AND false LIMIT " + lim
		} else {
			keys = "SELECT * FROM (" + strings.Join(branches, " UNION ALL ") + ") AS u" + orderBy("u.") + " LIMIT " + lim
		}
	default:
		keys = "SELECT " + keyCols("") + " FROM kith.contacts WHERE user_id = $1" + p.filters(&a, "", false) + keyCond("") + orderBy("") + " LIMIT " + lim
	}
	return p.full(keys, col, dir), a
}

// freqs is the frequencies a frequency-merged page walks.
func (p *listPlan) freqs() []Frequency {
	if p.f.frequencies != nil {
		return p.f.frequencies
	}
	return allFrequencies
}

// dueOf is the due condition for the contacts of frequency fr, "" when
// all of them pass and "-" when none can.
func (p *listPlan) dueOf(a *args, alias string, fr Frequency) string {
	if p.f.due == AnyDue {
		return ""
	}
	bound, ok := dueBound(fr, p.f.asOf, p.f.loc)
	switch p.f.due {
	case OnlyDue:
		if !ok || p.f.archived == OnlyArchived {
			return "-"
		}
		return " AND NOT " + alias + "archived AND (" + alias + "last_contact_date IS NULL OR " + alias + "last_contact_date < " + a.add(bound) + ")"
	case NotDue:
		if !ok {
			return ""
		}
		return " AND (" + alias + "archived OR " + alias + "last_contact_date >= " + a.add(bound) + ")"
	}
	return ""
}

// filters is the WHERE conditions of every filter but the group (and but
// frequency and due when perFrequency: the caller's branch has them).
func (p *listPlan) filters(a *args, alias string, perFrequency bool) string {
	f := &p.f
	var b strings.Builder
	switch f.archived {
	case ExcludeArchived:
		b.WriteString(" AND NOT " + alias + "archived")
	case OnlyArchived:
		b.WriteString(" AND " + alias + "archived")
	}
	switch f.source {
	case GoogleSynced:
		b.WriteString(" AND " + alias + "google_resource_name <> ''")
	case Manual:
		b.WriteString(" AND " + alias + "google_resource_name = ''")
	}
	if perFrequency || (f.frequencies == nil && f.due == AnyDue) {
		return b.String()
	}
	// One disjunct per frequency that can match.
	var ors []string
	for _, fr := range p.freqs() {
		cond := p.dueOf(a, alias, fr)
		if cond == "-" {
			continue
		}
		ors = append(ors, "("+alias+"frequency = "+a.add(string(fr))+cond+")")
	}
	if len(ors) == 0 {
		b.WriteString(" AND false")
	} else {
		b.WriteString(" AND (" + strings.Join(ors, " OR ") + ")")
	}
	return b.String()
}

// full turns a page of keys into a page of full contacts: each row is
// fetched by its primary key, in the keys' order (see stream's fullPage
// for why the LIMIT 1 lateral).
func (p *listPlan) full(keys, col, dir string) string {
	orderBy := " ORDER BY k.id" + dir
	if col != "" {
		orderBy = " ORDER BY k." + col + dir + ", k.id" + dir
	}
	keyOut := "NULL::boolean, NULL::text, NULL::timestamptz, NULL::float8, "
	switch p.f.order {
	case ByName:
		keyOut = "NULL::boolean, k.name::text, NULL::timestamptz, NULL::float8, "
	case ByLastContact:
		keyOut = "k.last_contact_date IS NULL, NULL::text, k.last_contact_date, NULL::float8, "
	case ByCreatedAt:
		keyOut = "NULL::boolean, NULL::text, k.created_at, NULL::float8, "
	}
	q := "SELECT " + keyOut + "c.* FROM (" + keys + ") AS k CROSS JOIN LATERAL (SELECT " + contactsql.Full.Columns() +
		" FROM kith.contacts AS r WHERE r.user_id = $1 AND r.id = k.id LIMIT 1) AS c" + orderBy
	return dbschema.Qualify(q, p.schema)
}

// A GroupCount is a group and how many contacts belong to it (archived
// ones included).
type GroupCount struct {
	Group   Group
	Members int64
}

// GroupCounts returns userID's groups ordered by name, each with its
// number of members, in one statement: each count is an index-only range
// of the membership index (user, group), so the cost is the user's number
// of memberships, whatever other users hold.
func (s *Store) GroupCounts(ctx context.Context, userID uuid.UUID) ([]GroupCount, error) {
	if err := checkUser(userID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, dbschema.Qualify(`SELECT g.id, g.user_id, g.name, g.created_at, g.updated_at,
		(SELECT count(*) FROM kith.contact_groups AS m WHERE m.user_id = g.user_id AND m.group_id = g.id)
		FROM kith.groups AS g WHERE g.user_id = $1 ORDER BY g.name, g.id`, s.schema), userID)
	if err != nil {
		return nil, fmt.Errorf("contacts: group counts: %w", err)
	}
	defer rows.Close()
	out := []GroupCount{}
	for rows.Next() {
		var gc GroupCount
		g := &gc.Group
		if err := rows.Scan(&g.ID, &g.UserID, &g.Name, &g.CreatedAt, &g.UpdatedAt, &gc.Members); err != nil {
			return nil, fmt.Errorf("contacts: group counts: %w", err)
		}
		out = append(out, gc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contacts: group counts: %w", err)
	}
	return out, nil
}
