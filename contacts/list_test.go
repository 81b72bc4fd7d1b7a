package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/suggest"
)

var listNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// listFixture is a user with contacts of every kind a filter tells apart.
type listFixture struct {
	db    *sqlx.DB
	s     *contacts.Store
	user  uuid.UUID
	group uuid.UUID
	all   []contacts.Contact // as stored, GroupIDs included
}

func newListFixture(t *testing.T, n int) *listFixture {
	t.Helper()
	db := kithtest.DB(t)
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f := &listFixture{db: db, s: s, user: uuid.New()}
	g, err := s.CreateGroup(ctx, f.user, "family")
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	freqs := append([]contacts.Frequency{contacts.FrequencyNone}, contacts.Frequencies()...)
	names := []string{"Ada", "ada", "Álvaro", "Brenda", "Éric", "Eleanor", "Eugene", "delta", "Delta", "Zoë", "Ömer", "Oscar"}
	var members []uuid.UUID
	for i := range n {
		c := contacts.Contact{
			Name:      fmt.Sprintf("%s %02d", names[i%len(names)], i/len(names)),
			Email:     fmt.Sprintf("p%d@example.com", i),
			Frequency: freqs[i%len(freqs)],
			Archived:  i%7 == 3,
		}
		if i%5 != 0 { // every fifth never contacted
			c.LastContactDate = ptr(listNow.Add(-time.Duration(i*37%400)*24*time.Hour - time.Duration(i%24)*time.Hour))
		}
		if i%3 == 0 {
			c.GoogleResourceName = fmt.Sprintf("people/c%d", i)
		}
		created, err := s.Create(ctx, f.user, c)
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 1 {
			members = append(members, created.ID)
			created.GroupIDs = []uuid.UUID{g.ID}
		}
		f.all = append(f.all, created)
	}
	if err := s.AddToGroup(ctx, f.user, g.ID, members...); err != nil {
		t.Fatal(err)
	}
	// Another user's contacts never show.
	if _, err := s.Create(ctx, uuid.New(), contacts.Contact{Name: "Ada 00"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// due is the suggest package's definition: List must agree with it.
func due(c contacts.Contact, asOf time.Time, loc *time.Location) bool {
	return suggest.NewCalendar(asOf, loc).Due(c.Minimal()).Due
}

// want lists, in the order the database gives for opts' order, the IDs of
// the contacts opts' filters keep, filtered in Go.
func (f *listFixture) want(t *testing.T, o contacts.ListOptions) []uuid.UUID {
	t.Helper()
	orderBy := map[contacts.Order]string{
		contacts.ByName: "name", contacts.ByLastContact: "last_contact_date", contacts.ByCreatedAt: "created_at", contacts.ByID: "",
	}[o.Order]
	dir := ""
	if o.Direction == contacts.Descending {
		dir = " DESC"
	}
	q := "SELECT id FROM kith.contacts WHERE user_id = $1 ORDER BY "
	if o.Order == contacts.ByLastContact {
		if o.NeverContactedLast {
			q += "last_contact_date IS NULL, "
		} else {
			q += "last_contact_date IS NOT NULL, "
		}
	}
	if orderBy != "" {
		q += orderBy + dir + ", "
	}
	q += "id" + dir
	var ids []uuid.UUID
	if err := f.db.Select(&ids, q, f.user); err != nil {
		t.Fatal(err)
	}
	byID := map[uuid.UUID]contacts.Contact{}
	for _, c := range f.all {
		byID[c.ID] = c
	}
	var out []uuid.UUID
	for _, id := range ids {
		c := byID[id]
		switch {
		case o.Archived == contacts.ExcludeArchived && c.Archived, o.Archived == contacts.OnlyArchived && !c.Archived:
		case o.GroupID != uuid.Nil && !slices.Contains(c.GroupIDs, o.GroupID):
		case len(o.Frequencies) > 0 && !slices.Contains(o.Frequencies, c.Frequency):
		case o.Due == contacts.OnlyDue && !due(c, o.AsOf, o.Location), o.Due == contacts.NotDue && due(c, o.AsOf, o.Location):
		case o.Source == contacts.GoogleSynced && c.GoogleResourceName == "", o.Source == contacts.Manual && c.GoogleResourceName != "":
		default:
			out = append(out, id)
		}
	}
	return out
}

// walk pages through List with opts and returns the IDs in page order.
func walk(t *testing.T, s *contacts.Store, user uuid.UUID, o contacts.ListOptions) ([]uuid.UUID, int) {
	t.Helper()
	var got []uuid.UUID
	pages := 0
	for {
		p, err := s.List(context.Background(), user, o)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if p.Contacts == nil {
			t.Fatal("nil Contacts")
		}
		if len(p.Contacts) > o.Limit && o.Limit > 0 {
			t.Fatalf("page of %d, limit %d", len(p.Contacts), o.Limit)
		}
		for _, c := range p.Contacts {
			if c.UserID != user {
				t.Fatalf("another user's contact %v", c.ID)
			}
			got = append(got, c.ID)
		}
		if p.NextPageToken == "" {
			return got, pages
		}
		if len(p.Contacts) == 0 {
			t.Fatal("an empty page with a next token")
		}
		o.PageToken = p.NextPageToken
	}
}

func TestListOrdersAndFilters(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, 150)
	var cases []contacts.ListOptions
	for _, order := range []contacts.Order{contacts.ByName, contacts.ByLastContact, contacts.ByCreatedAt, contacts.ByID} {
		for _, dir := range []contacts.Direction{contacts.Ascending, contacts.Descending} {
			cases = append(cases, contacts.ListOptions{Order: order, Direction: dir})
			cases = append(cases, contacts.ListOptions{Order: order, Direction: dir, Archived: contacts.IncludeArchived, NeverContactedLast: true})
			cases = append(cases, contacts.ListOptions{Order: order, Direction: dir, Due: contacts.OnlyDue, AsOf: listNow, GroupID: f.group})
		}
	}
	for _, zone := range []string{"America/Santiago", "Pacific/Kiritimati", "Europe/Paris"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{listNow, time.Date(2026, 9, 6, 3, 30, 0, 0, time.UTC), time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)} {
			cases = append(cases,
				contacts.ListOptions{Due: contacts.OnlyDue, AsOf: at, Location: loc},
				contacts.ListOptions{Due: contacts.NotDue, AsOf: at, Location: loc, Archived: contacts.IncludeArchived, Order: contacts.ByLastContact})
		}
	}
	for _, order := range []contacts.Order{contacts.ByName, contacts.ByLastContact} {
		cases = append(cases,
			contacts.ListOptions{Order: order, Archived: contacts.OnlyArchived},
			contacts.ListOptions{Order: order, GroupID: f.group},
			contacts.ListOptions{Order: order, GroupID: f.group, Archived: contacts.IncludeArchived},
			contacts.ListOptions{Order: order, Frequencies: []contacts.Frequency{contacts.FrequencyWeekly, contacts.FrequencyNone}},
			contacts.ListOptions{Order: order, Frequencies: []contacts.Frequency{contacts.FrequencyFlexible}, Due: contacts.OnlyDue, AsOf: listNow},
			contacts.ListOptions{Order: order, Due: contacts.OnlyDue, AsOf: listNow},
			contacts.ListOptions{Order: order, Due: contacts.NotDue, AsOf: listNow, Direction: contacts.Descending},
			contacts.ListOptions{Order: order, Due: contacts.OnlyDue, AsOf: listNow, Frequencies: []contacts.Frequency{contacts.FrequencyMonthly}},
			contacts.ListOptions{Order: order, Source: contacts.GoogleSynced},
			contacts.ListOptions{Order: order, Source: contacts.Manual, Archived: contacts.IncludeArchived},
			contacts.ListOptions{Order: order, Source: contacts.Manual, Due: contacts.NotDue, AsOf: listNow, Archived: contacts.OnlyArchived},
		)
	}
	for _, o := range cases {
		for _, limit := range []int{7, 1000} {
			o.Limit = limit
			want := f.want(t, o)
			got, pages := walk(t, f.s, f.user, o)
			if !slices.Equal(got, want) {
				t.Errorf("%+v: got %d contacts in %d pages, want %d\n got %v\nwant %v", o, len(got), pages, len(want), got, want)
			}
			if limit == 7 && len(want) > 0 && pages != (len(want)+6)/7 {
				t.Errorf("%+v: %d pages for %d contacts", o, pages, len(want))
			}
		}
	}
}

// Names sort as people expect, whatever the database's collation.
func TestListNameCollation(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	names := []string{"Zoë", "Brenda", "Eugene", "delta", "Éric", "Álvaro", "Eleanor", "Dave", "Ada", "Émile", "Denise", "ada"}
	for _, n := range names {
		if _, err := s.Create(ctx, user, contacts.Contact{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.List(ctx, user, contacts.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Contacts {
		got = append(got, c.Name)
	}
	want := []string{"ada", "Ada", "Álvaro", "Brenda", "Dave", "delta", "Denise", "Eleanor", "Émile", "Éric", "Eugene", "Zoë"}
	if !slices.Equal(got, want) {
		t.Fatalf("by name:\n got %q\nwant %q", got, want)
	}
}

func TestListTokens(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, 30)
	ctx := context.Background()
	first := contacts.ListOptions{Limit: 5, Due: contacts.OnlyDue, AsOf: listNow}
	p, err := f.s.List(ctx, f.user, first)
	if err != nil || p.NextPageToken == "" {
		t.Fatalf("%v, token %q", err, p.NextPageToken)
	}
	tok := p.NextPageToken
	next := first
	next.PageToken = tok
	next.AsOf = time.Time{} // the token's time carries over
	if _, err := f.s.List(ctx, f.user, next); err != nil {
		t.Fatalf("next page without AsOf: %v", err)
	}
	for _, tc := range []struct {
		name string
		user uuid.UUID
		edit func(o *contacts.ListOptions)
		want string
	}{
		{"other user", uuid.New(), func(o *contacts.ListOptions) {}, "another user"},
		{"other order", f.user, func(o *contacts.ListOptions) { o.Order = contacts.ByID }, "order"},
		{"other direction", f.user, func(o *contacts.ListOptions) { o.Direction = contacts.Descending }, "order"},
		{"other archived", f.user, func(o *contacts.ListOptions) { o.Archived = contacts.IncludeArchived }, "archived"},
		{"other group", f.user, func(o *contacts.ListOptions) { o.GroupID = f.group }, "group"},
		{"other due", f.user, func(o *contacts.ListOptions) { o.Due = contacts.NotDue }, "due"},
		{"other as-of", f.user, func(o *contacts.ListOptions) { o.AsOf = listNow.Add(time.Hour) }, "as of"},
		{"other zone", f.user, func(o *contacts.ListOptions) { o.Location = time.FixedZone("X", 3600) }, "time zone"},
		{"other frequency", f.user, func(o *contacts.ListOptions) { o.Frequencies = []contacts.Frequency{contacts.FrequencyAnnual} }, "frequency"},
		{"other source", f.user, func(o *contacts.ListOptions) { o.Source = contacts.Manual }, "source"},
		{"edited", f.user, func(o *contacts.ListOptions) { o.PageToken = flip(o.PageToken) }, "checksum"},
		{"garbage", f.user, func(o *contacts.ListOptions) { o.PageToken = "not a token!" }, "not a page token"},
		{"truncated", f.user, func(o *contacts.ListOptions) { o.PageToken = o.PageToken[:20] }, "too short"},
	} {
		o := next
		tc.edit(&o)
		_, err := f.s.List(ctx, tc.user, o)
		var fe *contacts.FieldError
		if !errors.Is(err, contacts.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "page_token" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid about %q", tc.name, err, tc.want)
		}
	}
	for _, o := range []contacts.ListOptions{{Limit: -1}, {Limit: contacts.MaxListLimit + 1}, {Order: 9}, {Direction: 2}, {Archived: 3}, {Due: 3}, {Source: 3}, {Frequencies: []contacts.Frequency{"hourly"}}} {
		if _, err := f.s.List(ctx, f.user, o); !errors.Is(err, contacts.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", o, err)
		}
	}
	if _, err := f.s.List(ctx, uuid.Nil, contacts.ListOptions{}); !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("uuid.Nil: %v", err)
	}
	// An empty result is an empty, non-nil page.
	p, err = f.s.List(ctx, uuid.New(), contacts.ListOptions{})
	if err != nil || p.Contacts == nil || len(p.Contacts) != 0 || p.NextPageToken != "" {
		t.Fatalf("no contacts: %+v, %v", p, err)
	}
}

// flip changes one character in the middle of a token.
func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestGroupCounts(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, 40)
	ctx := context.Background()
	empty, err := f.s.CreateGroup(ctx, f.user, "alpine club")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.s.GroupCounts(ctx, f.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Group.ID != empty.ID || got[0].Members != 0 || got[1].Group.ID != f.group || got[1].Members != 10 {
		t.Fatalf("counts: %+v", got)
	}
	if got, err := f.s.GroupCounts(ctx, uuid.New()); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("another user: %v, %v", got, err)
	}
}
