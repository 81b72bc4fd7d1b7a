package contacts_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

func newStore(t *testing.T) *contacts.Store {
	t.Helper()
	s, err := contacts.NewStore(kithtest.DB(t), contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func fullContact() contacts.Contact {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return contacts.Contact{
		Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0000",
		LinkedIn: "https://linkedin.com/in/ada", Instagram: "ada", XHandle: "@ada",
		OtherSocial: map[string]string{"mastodon": "@ada@example.social"},
		Location:    "London", TimeZone: "Europe/London", Notes: "Likes engines.",
		LastContactDate: ptr(at), Frequency: contacts.FrequencyMonthly, Tags: []string{"math", "history"},
		Source: "manual",
		Circle: contacts.CircleClose, CircleAssignedAt: ptr(at), CircleConfidence: ptr(0.75),
		AISuggestedCircle: contacts.CircleFriends,
	}
}

// sameContact compares the user-written fields of two contacts.
func sameContact(t *testing.T, got, want contacts.Contact) {
	t.Helper()
	norm := func(c contacts.Contact) contacts.Contact {
		c.ID, c.UserID, c.CreatedAt, c.UpdatedAt, c.GroupIDs = uuid.Nil, uuid.Nil, time.Time{}, time.Time{}, nil
		for _, p := range []**time.Time{&c.LastContactDate, &c.LastSyncedAt, &c.CircleAssignedAt} {
			if *p != nil {
				*p = ptr((**p).UTC())
			}
		}
		return c
	}
	g, w := norm(got), norm(want)
	if g.Name != w.Name || g.Email != w.Email || g.Phone != w.Phone || g.LinkedIn != w.LinkedIn ||
		g.Instagram != w.Instagram || g.XHandle != w.XHandle || g.Location != w.Location ||
		g.TimeZone != w.TimeZone || g.Notes != w.Notes || g.Frequency != w.Frequency ||
		g.Archived != w.Archived || g.Source != w.Source || g.GoogleResourceName != w.GoogleResourceName ||
		g.GoogleETag != w.GoogleETag || g.Circle != w.Circle || g.AISuggestedCircle != w.AISuggestedCircle ||
		!slices.Equal(g.Tags, w.Tags) || len(g.OtherSocial) != len(w.OtherSocial) ||
		!eqTime(g.LastContactDate, w.LastContactDate) || !eqTime(g.LastSyncedAt, w.LastSyncedAt) ||
		!eqTime(g.CircleAssignedAt, w.CircleAssignedAt) || !eqFloat(g.CircleConfidence, w.CircleConfidence) {
		t.Fatalf("contact mismatch:\n got %+v\nwant %+v", g, w)
	}
	for k, v := range w.OtherSocial {
		if g.OtherSocial[k] != v {
			t.Fatalf("other_social[%q] = %q, want %q", k, g.OtherSocial[k], v)
		}
	}
}

func eqTime(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
func eqFloat(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-6)
}

func TestCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	want := fullContact()
	created, err := s.Create(ctx, user, want)
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == uuid.Nil || created.UserID != user || created.CreatedAt.IsZero() {
		t.Fatalf("store did not fill id/user/created_at: %+v", created)
	}
	sameContact(t, created, want)
	got, err := s.Get(ctx, user, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameContact(t, got, want)

	// A minimal contact: every optional field empty.
	bare, err := s.Create(ctx, user, contacts.Contact{Name: "Bare"})
	if err != nil {
		t.Fatal(err)
	}
	if bare.LastContactDate != nil || bare.CircleConfidence != nil || bare.Tags == nil && false || bare.Frequency != contacts.FrequencyNone {
		t.Fatalf("bare contact came back with values: %+v", bare)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	c, err := s.Create(ctx, user, contacts.Contact{Name: "Before"})
	if err != nil {
		t.Fatal(err)
	}
	want := fullContact()
	want.ID, want.Version = c.ID, c.Version
	got, err := s.Update(ctx, user, want)
	if err != nil {
		t.Fatal(err)
	}
	sameContact(t, got, want)
	if !got.UpdatedAt.After(c.UpdatedAt) && !got.UpdatedAt.Equal(c.UpdatedAt) {
		t.Fatalf("updated_at went back: %v -> %v", c.UpdatedAt, got.UpdatedAt)
	}
	want.ID = uuid.New()
	if _, err := s.Update(ctx, user, want); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("update of a missing contact: %v, want ErrNotFound", err)
	}
}

func TestArchiveDeleteCount(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	a, _ := s.Create(ctx, user, contacts.Contact{Name: "A"})
	if _, err := s.Create(ctx, user, contacts.Contact{Name: "B"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Archive(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, user, a.ID); !got.Archived {
		t.Fatal("Archive did not archive")
	}
	count := func(all bool) int64 {
		n, err := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: all})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(false) != 1 || count(true) != 2 {
		t.Fatalf("counts = %d, %d; want 1, 2", count(false), count(true))
	}
	if err := s.Unarchive(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	if count(false) != 2 {
		t.Fatal("Unarchive did not unarchive")
	}
	if err := s.Delete(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, user, a.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := s.Delete(ctx, user, a.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.Archive(ctx, user, a.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("archive of deleted: %v", err)
	}
}

// TestUserIsolation checks that every method refuses another user's rows
// and changes nothing of them.
func TestUserIsolation(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t), context.Background()
	alice, mallory := uuid.New(), uuid.New()
	c, _ := s.Create(ctx, alice, fullContact())
	g, err := s.CreateGroup(ctx, alice, "family")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, alice, g.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	mine, _ := s.Create(ctx, mallory, contacts.Contact{Name: "M"})
	myGroup, _ := s.CreateGroup(ctx, mallory, "mine")

	notFound := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, contacts.ErrNotFound) {
			t.Errorf("%s on another user's row: %v, want ErrNotFound", name, err)
		}
	}
	_, err = s.Get(ctx, mallory, c.ID)
	notFound("Get", err)
	upd := fullContact()
	upd.ID, upd.Name = c.ID, "hijacked"
	_, err = s.Update(ctx, mallory, upd)
	notFound("Update", err)
	notFound("Archive", s.Archive(ctx, mallory, c.ID))
	notFound("Unarchive", s.Unarchive(ctx, mallory, c.ID))
	notFound("Delete", s.Delete(ctx, mallory, c.ID))
	_, err = s.RenameGroup(ctx, mallory, g.ID, "x")
	notFound("RenameGroup", err)
	notFound("DeleteGroup", s.DeleteGroup(ctx, mallory, g.ID))
	notFound("AddToGroup (their group)", s.AddToGroup(ctx, mallory, g.ID, mine.ID))
	notFound("AddToGroup (their contact)", s.AddToGroup(ctx, mallory, myGroup.ID, c.ID))
	notFound("RemoveFromGroup", s.RemoveFromGroup(ctx, mallory, g.ID, c.ID))
	if n, err := s.MarkContacted(ctx, mallory, []uuid.UUID{c.ID}, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("MarkContacted on another user's contact moved %d (%v)", n, err)
	}
	if gs, _ := s.Groups(ctx, mallory); len(gs) != 1 || gs[0].ID != myGroup.ID {
		t.Errorf("Groups leaked: %+v", gs)
	}
	if n, _ := s.Count(ctx, mallory, contacts.CountOptions{IncludeArchived: true}); n != 1 {
		t.Errorf("Count(mallory) = %d, want 1", n)
	}
	if found, err := s.FindByEmail(ctx, mallory, fullContact().Email); err != nil || len(found) != 0 {
		t.Errorf("FindByEmail leaked: %+v, %v", found, err)
	}
	// Same Google resource name is fine across users.
	if _, err := writeGooglePage(ctx, s, alice, googlePage(1, "e"), contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	if res, err := writeGooglePage(ctx, s, mallory, googlePage(1, "e"), contacts.GooglePageOptions{}); err != nil || res.Inserted != 1 {
		t.Errorf("same resource name for another user: %+v, %v", res, err)
	}
	got, err := s.Get(ctx, alice, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameContact(t, got, fullContact())
	if len(got.GroupIDs) != 1 || got.GroupIDs[0] != g.ID {
		t.Fatalf("alice's membership changed: %v", got.GroupIDs)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	long := func(n int) string { return strings.Repeat("é", n) }
	cases := []struct {
		field string
		edit  func(*contacts.Contact)
	}{
		{"name", func(c *contacts.Contact) { c.Name = "" }},
		{"name", func(c *contacts.Contact) { c.Name = "   " }},
		{"name", func(c *contacts.Contact) { c.Name = long(contacts.MaxNameLen + 1) }},
		{"name", func(c *contacts.Contact) { c.Name = "bad\xffutf8" }},
		{"name", func(c *contacts.Contact) { c.Name = "nul\x00byte" }},
		{"email", func(c *contacts.Contact) { c.Email = "not-an-email" }},
		{"email", func(c *contacts.Contact) { c.Email = "Ada <ada@example.com>" }},
		{"phone", func(c *contacts.Contact) { c.Phone = long(contacts.MaxPhoneLen + 1) }},
		{"notes", func(c *contacts.Contact) { c.Notes = long(contacts.MaxNotesLen + 1) }},
		{"time_zone", func(c *contacts.Contact) { c.TimeZone = "Mars/Olympus_Mons" }},
		{"time_zone", func(c *contacts.Contact) { c.TimeZone = "Local" }},
		{"frequency", func(c *contacts.Contact) { c.Frequency = "hourly" }},
		{"circle", func(c *contacts.Contact) { c.Circle = "inner-most" }},
		{"ai_suggested_circle", func(c *contacts.Contact) { c.AISuggestedCircle = "x" }},
		{"circle_confidence", func(c *contacts.Contact) { c.CircleConfidence = ptr(1.5) }},
		{"circle_confidence", func(c *contacts.Contact) { c.CircleConfidence = ptr(-0.01) }},
		{"circle_confidence", func(c *contacts.Contact) { c.CircleConfidence = ptr(math.NaN()) }},
		{"tags", func(c *contacts.Contact) { c.Tags = make([]string, contacts.MaxTags+1) }},
		{"tags", func(c *contacts.Contact) { c.Tags = []string{""} }},
		{"other_social", func(c *contacts.Contact) { c.OtherSocial = map[string]string{"": "x"} }},
	}
	for _, tc := range cases {
		c := fullContact()
		tc.edit(&c)
		_, err := s.Create(ctx, user, c)
		var fe *contacts.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, contacts.ErrInvalid) {
			t.Errorf("%s: got %v, want a FieldError for %q", tc.field, err, tc.field)
		}
	}
	var fe *contacts.FieldError
	c := fullContact()
	c.Name = long(contacts.MaxNameLen + 5)
	if _, err := s.Create(ctx, user, c); !errors.As(err, &fe) || fe.Len != contacts.MaxNameLen+5 || fe.Max != contacts.MaxNameLen {
		t.Errorf("length error carries %+v", fe)
	}
	// Nothing was written by any refused call, and an update is refused too.
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != 0 {
		t.Fatalf("refused creates wrote %d rows", n)
	}
	ok, _ := s.Create(ctx, user, fullContact())
	bad := ok
	bad.Email = "nope"
	if _, err := s.Update(ctx, user, bad); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("update with bad email: %v", err)
	}
	if got, _ := s.Get(ctx, user, ok.ID); got.Email != ok.Email {
		t.Fatalf("refused update changed email to %q", got.Email)
	}
	if _, err := s.CreateGroup(ctx, user, ""); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("empty group name: %v", err)
	}
	if _, err := s.MarkContacted(ctx, user, []uuid.UUID{ok.ID}, time.Time{}); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("zero time: %v", err)
	}
}

// TestInjectionStoredVerbatim writes SQL-looking text into every string
// field and reads it back unchanged; the tables survive.
func TestInjectionStoredVerbatim(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	evil := []string{
		`'); DROP TABLE kith.contacts; --`,
		`" OR 1=1 --`,
		`$1; DELETE FROM kith.groups`,
		`\'; TRUNCATE kith.contact_groups CASCADE; \`,
		`{"a": 1}::jsonb`,
		`Robert'); DROP TABLE Students;--`,
	}
	for i, e := range evil {
		c := contacts.Contact{
			Name: e, Phone: e[:min(len(e), 64)], LinkedIn: e, Instagram: e, XHandle: e, Location: e,
			TimeZone: "", Notes: e, Source: e[:min(len(e), 32)],
			Tags: []string{e}, OtherSocial: map[string]string{e: e},
		}
		created, err := s.Create(ctx, user, c)
		if err != nil {
			t.Fatalf("evil %d: %v", i, err)
		}
		got, err := s.Get(ctx, user, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameContact(t, got, c)
		g, err := s.CreateGroup(ctx, user, e)
		if err != nil {
			t.Fatalf("evil group %d: %v", i, err)
		}
		if g.Name != e {
			t.Fatalf("group name %q came back as %q", e, g.Name)
		}
	}
	if n, err := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); err != nil || n != int64(len(evil)) {
		t.Fatalf("after injection attempts: %d contacts, %v", n, err)
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	a, _ := s.Create(ctx, user, contacts.Contact{Name: "A"})
	b, _ := s.Create(ctx, user, contacts.Contact{Name: "B"})
	fam, err := s.CreateGroup(ctx, user, "family")
	if err != nil {
		t.Fatal(err)
	}
	work, _ := s.CreateGroup(ctx, user, "work")
	if _, err := s.CreateGroup(ctx, user, "family"); !errors.Is(err, contacts.ErrDuplicate) {
		t.Fatalf("duplicate group name: %v", err)
	}
	if _, err := s.RenameGroup(ctx, user, work.ID, "family"); !errors.Is(err, contacts.ErrDuplicate) {
		t.Fatalf("rename onto an existing name: %v", err)
	}
	renamed, err := s.RenameGroup(ctx, user, work.ID, "colleagues")
	if err != nil || renamed.Name != "colleagues" {
		t.Fatalf("rename: %+v %v", renamed, err)
	}
	gs, err := s.Groups(ctx, user)
	if err != nil || len(gs) != 2 || gs[0].Name != "colleagues" || gs[1].Name != "family" {
		t.Fatalf("Groups = %+v, %v", gs, err)
	}

	if err := s.AddToGroup(ctx, user, fam.ID, a.ID, b.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, user, fam.ID, a.ID); err != nil {
		t.Fatalf("adding twice: %v", err)
	}
	if err := s.AddToGroup(ctx, user, work.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	groupsOf := func(id uuid.UUID) []uuid.UUID {
		c, err := s.Get(ctx, user, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.GroupIDs
	}
	if got := groupsOf(a.ID); len(got) != 2 || !slices.Contains(got, fam.ID) || !slices.Contains(got, work.ID) {
		t.Fatalf("a's groups = %v", got)
	}
	// All or nothing: one unknown contact means nobody is added.
	if err := s.AddToGroup(ctx, user, work.ID, b.ID, uuid.New()); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("add with an unknown contact: %v", err)
	}
	if got := groupsOf(b.ID); len(got) != 1 {
		t.Fatalf("partial add happened: b's groups = %v", got)
	}
	if err := s.AddToGroup(ctx, user, uuid.New(), a.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("add to unknown group: %v", err)
	}
	if err := s.RemoveFromGroup(ctx, user, fam.ID, a.ID, uuid.New()); err != nil {
		t.Fatal(err)
	}
	if got := groupsOf(a.ID); len(got) != 1 || got[0] != work.ID {
		t.Fatalf("after remove, a's groups = %v", got)
	}
	if err := s.DeleteGroup(ctx, user, work.ID); err != nil {
		t.Fatal(err)
	}
	if got := groupsOf(a.ID); len(got) != 0 {
		t.Fatalf("deleted group still listed: %v", got)
	}
	if err := s.DeleteGroup(ctx, user, work.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

// TestConcurrentMembership adds and removes memberships of one contact
// from many goroutines; the mirrored group_ids must equal the join table.
func TestConcurrentMembership(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, user := context.Background(), uuid.New()
	c, _ := s.Create(ctx, user, contacts.Contact{Name: "Popular"})
	var groups []contacts.Group
	for i := range 12 {
		g, err := s.CreateGroup(ctx, user, "g"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() {
			for range 5 {
				if err := s.AddToGroup(ctx, user, g.ID, c.ID); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					if err := s.RemoveFromGroup(ctx, user, g.ID, c.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	got, _ := s.Get(ctx, user, c.ID)
	var want []uuid.UUID
	if err := db.SelectContext(ctx, &want, `SELECT group_id FROM kith.contact_groups WHERE contact_id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	sortIDs := func(ids []uuid.UUID) {
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	}
	sortIDs(want)
	sortIDs(got.GroupIDs)
	if len(want) != 6 || !slices.Equal(got.GroupIDs, want) {
		t.Fatalf("group_ids %v, join table %v (want 6)", got.GroupIDs, want)
	}
}

func TestGroupLimitPerContact(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	c, _ := s.Create(ctx, user, contacts.Contact{Name: "Joiner"})
	for i := range contacts.MaxGroupsPerContact + 1 {
		g, err := s.CreateGroup(ctx, user, "group "+strings.Repeat("x", i+1))
		if err != nil {
			t.Fatal(err)
		}
		err = s.AddToGroup(ctx, user, g.ID, c.ID)
		if i < contacts.MaxGroupsPerContact && err != nil {
			t.Fatalf("group %d: %v", i, err)
		}
		if i == contacts.MaxGroupsPerContact && !errors.Is(err, contacts.ErrInvalid) {
			t.Fatalf("group past the limit: %v, want ErrInvalid", err)
		}
	}
	got, _ := s.Get(ctx, user, c.ID)
	if len(got.GroupIDs) != contacts.MaxGroupsPerContact {
		t.Fatalf("%d groups, want %d", len(got.GroupIDs), contacts.MaxGroupsPerContact)
	}
}

func TestMarkContactedOnlyMovesForward(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	t0 := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	never, _ := s.Create(ctx, user, contacts.Contact{Name: "Never"})
	old, _ := s.Create(ctx, user, contacts.Contact{Name: "Old", LastContactDate: ptr(t0.AddDate(0, 0, -30))})
	recent, _ := s.Create(ctx, user, contacts.Contact{Name: "Recent", LastContactDate: ptr(t0.AddDate(0, 0, 5))})
	n, err := s.MarkContacted(ctx, user, []uuid.UUID{never.ID, old.ID, recent.ID, uuid.New()}, t0)
	if err != nil || n != 2 {
		t.Fatalf("MarkContacted = %d, %v; want 2", n, err)
	}
	for id, want := range map[uuid.UUID]time.Time{never.ID: t0, old.ID: t0, recent.ID: t0.AddDate(0, 0, 5)} {
		c, _ := s.Get(ctx, user, id)
		if c.LastContactDate == nil || !c.LastContactDate.Equal(want) {
			t.Errorf("%s: last contact %v, want %v", c.Name, c.LastContactDate, want)
		}
	}
	if n, _ := s.MarkContacted(ctx, user, []uuid.UUID{old.ID}, t0.AddDate(-1, 0, 0)); n != 0 {
		t.Fatalf("an earlier date moved %d contacts", n)
	}
	if n, err := s.MarkContacted(ctx, user, nil, t0); n != 0 || err != nil {
		t.Fatalf("empty list: %d, %v", n, err)
	}
}

func TestNewStoreRefusesBadInput(t *testing.T) {
	if _, err := contacts.NewStore(nil, contacts.Config{}); err == nil || !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("nil handle: %v, want ErrInvalid", err)
	}
	if _, err := contacts.NewStore((*sqlx.DB)(nil), contacts.Config{}); err == nil || !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("typed nil handle: %v, want ErrInvalid", err)
	}
	if _, err := contacts.NewStore(kithtest.DB(t), contacts.Config{Schema: `x"; drop`}); err == nil || !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("bad schema: %v, want ErrInvalid", err)
	}
}
