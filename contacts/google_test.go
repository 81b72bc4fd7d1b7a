package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// people is n Google people, people/c0 ... with the given etag.
func people(n int, etag string) []contacts.GooglePerson {
	out := make([]contacts.GooglePerson, n)
	for i := range out {
		out[i] = person(i, etag)
	}
	return out
}

func person(i int, etag string) contacts.GooglePerson {
	return contacts.GooglePerson{Contact: contacts.Contact{
		Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i),
		GoogleResourceName: fmt.Sprintf("people/c%d", i), GoogleETag: etag,
	}}
}

type gfix struct {
	t    *testing.T
	db   *sqlx.DB
	s    *contacts.Store
	ctx  context.Context
	user uuid.UUID
}

func newGfix(t *testing.T) *gfix {
	t.Helper()
	db := kithtest.DB(t)
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &gfix{t: t, db: db, s: s, ctx: context.Background(), user: uuid.New()}
}

func (f *gfix) apply(page contacts.GooglePage) contacts.GooglePageResult {
	f.t.Helper()
	res, err := f.s.ApplyGooglePage(f.ctx, f.user, page, contacts.GooglePageOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// byName returns the contact linked to rn, failing the test when there is none.
func (f *gfix) byName(rn string) contacts.Contact {
	f.t.Helper()
	var id uuid.UUID
	if err := f.db.GetContext(f.ctx, &id, `SELECT id FROM kith.contacts WHERE user_id = $1 AND google_resource_name = $2`, f.user, rn); err != nil {
		f.t.Fatalf("%s: %v", rn, err)
	}
	c, err := f.s.Get(f.ctx, f.user, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *gfix) count() int64 {
	f.t.Helper()
	n, err := f.s.Count(f.ctx, f.user, contacts.CountOptions{IncludeArchived: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// pageCounts is Inserted, Updated, Unchanged, Linked.
func pageCounts(r contacts.GooglePageResult) [4]int {
	return [4]int{r.Inserted, r.Updated, r.Unchanged, r.Linked}
}

func TestApplyGooglePageUpserts(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	if r := f.apply(contacts.GooglePage{People: people(3, "v1")}); pageCounts(r) != [4]int{3, 0, 0, 0} {
		t.Fatalf("first page %+v", r)
	}
	c0 := f.byName("people/c0")
	if c0.Source != "google" || c0.LastSyncedAt == nil || c0.Version != 1 {
		t.Fatalf("inserted %+v", c0)
	}
	if r := f.apply(contacts.GooglePage{People: people(3, "v1")}); pageCounts(r) != [4]int{0, 0, 3, 0} {
		t.Fatalf("same etags %+v", r)
	}
	if got := f.byName("people/c0"); got.Version != 1 || !got.UpdatedAt.Equal(c0.UpdatedAt) {
		t.Fatalf("an unchanged person was written: %+v", got)
	}
	page := people(4, "v2")
	page[0].Name, page[0].Phone, page[0].LinkedIn, page[0].Notes = "Renamed", "+1 555", "in/renamed", "ignored on update"
	if r := f.apply(contacts.GooglePage{People: page}); pageCounts(r) != [4]int{1, 3, 0, 0} {
		t.Fatalf("new etags %+v", r)
	}
	got := f.byName("people/c0")
	if got.Name != "Renamed" || got.Phone != "+1 555" || got.LinkedIn != "in/renamed" || got.Notes != "" || got.Version != 2 || got.GoogleETag != "v2" {
		t.Fatalf("updated %+v", got)
	}
	// An empty etag is always written.
	page = people(1, "")
	if r := f.apply(contacts.GooglePage{People: page}); pageCounts(r) != [4]int{0, 1, 0, 0} {
		t.Fatalf("empty etag %+v", r)
	}
	// An empty page writes nothing and needs no transaction.
	if r := f.apply(contacts.GooglePage{}); pageCounts(r) != [4]int{} || r.Rejected == nil {
		t.Fatalf("empty page %+v", r)
	}
}

// A full pass marks every person it lists, unchanged ones too, without a
// new version; ReconcileGoogle then applies the policy to the linked
// contacts it did not mark, and only to those.
func TestFullPassAndReconcile(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	f.apply(contacts.GooglePage{People: people(5, "v1")})
	manual, err := f.s.Create(f.ctx, f.user, contacts.Contact{Name: "Manual"})
	if err != nil {
		t.Fatal(err)
	}
	// User archives c4 by hand.
	if err := f.s.Archive(f.ctx, f.user, f.byName("people/c4").ID); err != nil {
		t.Fatal(err)
	}
	// A full pass, in two pages, that no longer lists c3 and c4.
	const pass = 7
	all := people(5, "v1")
	r1 := f.apply(contacts.GooglePage{People: all[:2], Pass: pass})
	r2 := f.apply(contacts.GooglePage{People: all[2:3], Pass: pass})
	if pageCounts(r1) != [4]int{0, 0, 2, 0} || pageCounts(r2) != [4]int{0, 0, 1, 0} {
		t.Fatalf("full pass pages %+v %+v", r1, r2)
	}
	if v := f.byName("people/c0").Version; v != 1 {
		t.Fatalf("the pass marker bumped the version to %d", v)
	}
	n, err := f.s.ReconcileGoogle(f.ctx, f.user, pass, contacts.ArchiveDeleted)
	if err != nil || n != 1 {
		t.Fatalf("reconcile = %d, %v; want 1 (c3; c4 is archived already)", n, err)
	}
	if !f.byName("people/c3").Archived || f.byName("people/c2").Archived {
		t.Fatal("reconcile archived the wrong contacts")
	}
	if got, _ := f.s.Get(f.ctx, f.user, manual.ID); got.Archived {
		t.Fatal("reconcile archived a manual contact")
	}
	// Again: nothing left to do.
	if n, err := f.s.ReconcileGoogle(f.ctx, f.user, pass, contacts.ArchiveDeleted); err != nil || n != 0 {
		t.Fatalf("second reconcile = %d, %v", n, err)
	}
	// The next full pass lists c3 again: the sync unarchives it; c4, which
	// the user archived, stays archived.
	r := f.apply(contacts.GooglePage{People: all, Pass: pass + 1})
	if pageCounts(r) != [4]int{0, 1, 4, 0} {
		t.Fatalf("pass 2 %+v", r)
	}
	if f.byName("people/c3").Archived || !f.byName("people/c4").Archived {
		t.Fatal("the sync's archive was not undone, or the user's was")
	}
	// Detach and delete.
	if n, err := f.s.ReconcileGoogle(f.ctx, f.user, pass+2, contacts.DetachDeleted); err != nil || n != 5 {
		t.Fatalf("detach = %d, %v", n, err)
	}
	if f.count() != 6 {
		t.Fatalf("detach removed contacts")
	}
	f.apply(contacts.GooglePage{People: all[:2], Pass: pass + 3})
	if n, err := f.s.ReconcileGoogle(f.ctx, f.user, pass+3, contacts.RemoveDeleted); err != nil || n != 0 {
		t.Fatalf("delete = %d, %v (the detached are manual now)", n, err)
	}
	f.apply(contacts.GooglePage{People: all[4:], Pass: pass + 4})
	if n, err := f.s.ReconcileGoogle(f.ctx, f.user, pass+4, contacts.RemoveDeleted); err != nil || n != 2 {
		t.Fatalf("delete = %d, %v", n, err)
	}
	if _, err := f.s.ReconcileGoogle(f.ctx, f.user, 0, contacts.ArchiveDeleted); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("pass 0: %v", err)
	}
}

// Deleted people follow the policy; a person deleted then re-created under
// the same resource name comes back if the sync archived it, and stays
// archived if the user did.
func TestDeleteThenRecreate(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	f.apply(contacts.GooglePage{People: people(4, "v1")})
	c0 := f.byName("people/c0")
	c0.Notes, c0.Frequency = "met in Lisbon", contacts.FrequencyMonthly
	if _, err := f.s.Update(f.ctx, f.user, c0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Archive(f.ctx, f.user, f.byName("people/c1").ID); err != nil {
		t.Fatal(err)
	}
	r := f.apply(contacts.GooglePage{Deleted: []string{"people/c0", "people/c1", "people/missing"}})
	if r.Archived != 1 {
		t.Fatalf("archived %d, want 1 (c1 was archived by the user)", r.Archived)
	}
	if got := f.byName("people/c0"); !got.Archived || got.Notes != "met in Lisbon" {
		t.Fatalf("archived contact %+v", got)
	}
	// Re-created under the same names (a new etag).
	r = f.apply(contacts.GooglePage{People: people(2, "v2")})
	if pageCounts(r) != [4]int{0, 2, 0, 0} {
		t.Fatalf("re-create %+v", r)
	}
	if got := f.byName("people/c0"); got.Archived || got.Notes != "met in Lisbon" || got.Frequency != contacts.FrequencyMonthly {
		t.Fatalf("re-created contact %+v", got)
	}
	if !f.byName("people/c1").Archived {
		t.Fatal("the user's archive was undone")
	}
	// Re-created with the same etag still comes back.
	f.apply(contacts.GooglePage{Deleted: []string{"people/c0"}})
	if r := f.apply(contacts.GooglePage{People: people(1, "v2")}); pageCounts(r) != [4]int{0, 1, 0, 0} || f.byName("people/c0").Archived {
		t.Fatalf("same etag %+v", r)
	}
	// The user unarchives by hand what the sync archived: theirs now.
	f.apply(contacts.GooglePage{Deleted: []string{"people/c0"}})
	c0 = f.byName("people/c0")
	c0.Notes = "edited while archived"
	if c0, err := f.s.Update(f.ctx, f.user, c0); err != nil || !c0.Archived {
		t.Fatal(c0, err)
	}
	if r := f.apply(contacts.GooglePage{People: people(1, "v3")}); f.byName("people/c0").Archived {
		t.Fatalf("an edit that kept archived made the archive the user's: %+v", r)
	}
	f.apply(contacts.GooglePage{Deleted: []string{"people/c0"}})
	if err := f.s.Archive(f.ctx, f.user, f.byName("people/c0").ID); err != nil {
		t.Fatal(err)
	}
	if f.apply(contacts.GooglePage{People: people(1, "v4")}); !f.byName("people/c0").Archived {
		t.Fatal("the user archived it after the sync: it must stay archived")
	}
	// Detach keeps a manual contact; delete removes it.
	if r := f.apply(contacts.GooglePage{Deleted: []string{"people/c2"}, Policy: contacts.DetachDeleted}); r.Detached != 1 || f.count() != 4 {
		t.Fatalf("detach %+v", r)
	}
	if r := f.apply(contacts.GooglePage{Deleted: []string{"people/c3"}, Policy: contacts.RemoveDeleted}); r.Deleted != 1 || f.count() != 3 {
		t.Fatalf("delete %+v", r)
	}
	// A name both listed and deleted in one page is listed.
	if r := f.apply(contacts.GooglePage{People: people(1, "v5"), Deleted: []string{"people/c0"}, Policy: contacts.RemoveDeleted}); r.Deleted != 0 {
		t.Fatalf("listed and deleted %+v", r)
	}
	if _, err := f.s.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{Policy: 9, Deleted: []string{"people/c0"}}, contacts.GooglePageOptions{}); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("bad policy: %v", err)
	}
}

// A person whose email matches a manual contact links to it: Google's
// fields come in, the user's other addresses and everything they typed
// stay.
func TestLinkByEmail(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	older, err := f.s.Create(f.ctx, f.user, contacts.Contact{Name: "Ada (typed)", Email: "ada@home.example",
		OtherEmails: []string{"ADA@Work.example", "ada@old.example"}, Phone: "+1 typed", Notes: "my notes",
		Frequency: contacts.FrequencyWeekly, Tags: []string{"friend"}, LastContactDate: &at, Source: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	newer, err := f.s.Create(f.ctx, f.user, contacts.Contact{Name: "Ada again", Email: "ada@work.example"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.s.Create(f.ctx, f.user, contacts.Contact{Name: "Other user data", Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	page := []contacts.GooglePerson{{Contact: contacts.Contact{Name: "Ada Lovelace", Email: "ada@work.example",
		OtherEmails: []string{"ada@google.example"}, Location: "London",
		GoogleResourceName: "people/ada", GoogleETag: "e1"}},
		// A second person with the same address: one person per contact.
		{Contact: contacts.Contact{Name: "Ada Twin", Email: "ada@home.example", GoogleResourceName: "people/adb", GoogleETag: "e1"}},
		// A person without email is never linked.
		{Contact: contacts.Contact{Name: "Other user data", GoogleResourceName: "people/noemail", GoogleETag: "e1"}},
	}
	r := f.apply(contacts.GooglePage{People: page, Pass: 3})
	// people/ada and people/adb both match older (the oldest); ada comes
	// first in resource-name order. adb matched only older: inserted.
	if pageCounts(r) != [4]int{2, 0, 0, 1} {
		t.Fatalf("link page %+v", r)
	}
	got, _ := f.s.Get(f.ctx, f.user, older.ID)
	want := []string{"ada@google.example", "ada@home.example", "ada@old.example"}
	if got.GoogleResourceName != "people/ada" || got.Name != "Ada Lovelace" || got.Email != "ada@work.example" ||
		!slices.Equal(got.OtherEmails, want) || got.Phone != "+1 typed" || got.Location != "London" ||
		got.Notes != "my notes" || got.Frequency != contacts.FrequencyWeekly || got.Source != "manual" ||
		!slices.Equal(got.Tags, []string{"friend"}) || got.LastContactDate == nil || !got.LastContactDate.Equal(at) {
		t.Fatalf("linked contact %+v", got)
	}
	if found, _ := f.s.FindByEmail(f.ctx, f.user, "ada@old.example"); len(found) != 1 || found[0].ID != older.ID {
		t.Fatalf("the user's address is not found after the link: %+v", found)
	}
	if got, _ := f.s.Get(f.ctx, f.user, newer.ID); got.GoogleResourceName != "" {
		t.Fatal("the newer manual contact was linked too")
	}
	if got, _ := f.s.Get(f.ctx, f.user, other.ID); got.GoogleResourceName != "" {
		t.Fatal("a contact was linked without a shared address")
	}
	// The pass marked it: a reconcile leaves it alone.
	if n, err := f.s.ReconcileGoogle(f.ctx, f.user, 3, contacts.ArchiveDeleted); err != nil || n != 0 {
		t.Fatalf("reconcile after a link = %d, %v", n, err)
	}
	// Applied again: it is the person's contact now; nothing new.
	if r := f.apply(contacts.GooglePage{People: page}); pageCounts(r) != [4]int{0, 0, 3, 0} || f.count() != 5 {
		t.Fatalf("again %+v, %d contacts", r, f.count())
	}
	// Another user's manual contact with the same address is never linked.
	g := &gfix{t: t, db: f.db, s: f.s, ctx: f.ctx, user: uuid.New()}
	if r := g.apply(contacts.GooglePage{People: page[:1]}); r.Linked != 0 || r.Inserted != 1 {
		t.Fatalf("other user %+v", r)
	}
}

// A merged person moves its stored contact to the new name with every
// user field; when both the old and the new contact exist, they are folded
// into the older one and nothing the user typed is lost.
func TestMerges(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	f.apply(contacts.GooglePage{People: people(2, "v1")})
	// c2 comes later (a full pass inserted the new name): it is newer.
	f.apply(contacts.GooglePage{People: people(4, "v1")[2:]})
	fam, err := f.s.CreateGroup(f.ctx, f.user, "family")
	if err != nil {
		t.Fatal(err)
	}
	work, _ := f.s.CreateGroup(f.ctx, f.user, "work")
	at1, at2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	edit := func(rn string, e func(c *contacts.Contact), groups ...uuid.UUID) contacts.Contact {
		c := f.byName(rn)
		e(&c)
		c, err := f.s.Update(f.ctx, f.user, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if err := f.s.AddToGroup(f.ctx, f.user, g, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	// Case 1: only the old contact exists.
	c0 := edit("people/c0", func(c *contacts.Contact) { c.Notes, c.Frequency = "n0", contacts.FrequencyWeekly }, fam.ID)
	p := person(100, "m1")
	p.PreviousResourceNames = []string{"people/c0"}
	r := f.apply(contacts.GooglePage{People: []contacts.GooglePerson{p}})
	if r.Merged != 1 || r.MergedAway != 0 || pageCounts(r) != [4]int{0, 1, 0, 0} {
		t.Fatalf("re-key %+v", r)
	}
	got := f.byName("people/c100")
	if got.ID != c0.ID || got.Notes != "n0" || got.Frequency != contacts.FrequencyWeekly || got.Name != "Person 100" || !slices.Contains(got.GroupIDs, fam.ID) {
		t.Fatalf("re-keyed %+v", got)
	}
	if f.count() != 4 {
		t.Fatalf("%d contacts after a re-key", f.count())
	}

	// Case 2: the old (c1, older) and the new (c2, a full pass inserted
	// it) both exist, each with user data.
	c1 := edit("people/c1", func(c *contacts.Contact) {
		c.Notes, c.Tags, c.LastContactDate, c.Circle, c.CircleAssignedAt = "old notes", []string{"a", "b"}, &at2, contacts.CircleClose, &at1
	}, fam.ID)
	edit("people/c2", func(c *contacts.Contact) {
		c.Notes, c.Tags, c.LastContactDate, c.Frequency, c.TimeZone = "new notes", []string{"b", "c"}, &at1, contacts.FrequencyMonthly, "Europe/Paris"
	}, work.ID, fam.ID)
	p = person(2, "m2")
	p.PreviousResourceNames = []string{"people/c1", "people/gone"}
	r = f.apply(contacts.GooglePage{People: []contacts.GooglePerson{p}})
	if r.Merged != 1 || r.MergedAway != 1 || pageCounts(r) != [4]int{0, 1, 0, 0} {
		t.Fatalf("fold %+v", r)
	}
	got = f.byName("people/c2")
	if got.ID != c1.ID {
		t.Fatalf("the survivor is %s, want the older contact %s", got.ID, c1.ID)
	}
	if got.Notes != "old notes\n\nnew notes" || !slices.Equal(got.Tags, []string{"a", "b", "c"}) ||
		!got.LastContactDate.Equal(at2) || got.Circle != contacts.CircleClose || got.Frequency != contacts.FrequencyMonthly ||
		got.TimeZone != "Europe/Paris" || got.Name != "Person 2" || got.GoogleETag != "m2" {
		t.Fatalf("folded %+v", got)
	}
	if len(got.GroupIDs) != 2 || !slices.Contains(got.GroupIDs, work.ID) || !slices.Contains(got.GroupIDs, fam.ID) {
		t.Fatalf("folded groups %v", got.GroupIDs)
	}
	if f.count() != 3 {
		t.Fatalf("%d contacts after a fold, want 3", f.count())
	}
	// Applying the same merge again changes nothing.
	if r = f.apply(contacts.GooglePage{People: []contacts.GooglePerson{p}}); r.Merged != 0 || pageCounts(r) != [4]int{0, 0, 1, 0} {
		t.Fatalf("again %+v", r)
	}
}

// Ten applications of the person's changes never overwrite what the user
// typed.
func TestUserEditsSurviveTenPages(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	f.apply(contacts.GooglePage{People: people(3, "v0")})
	g, _ := f.s.CreateGroup(f.ctx, f.user, "mine")
	c := f.byName("people/c1")
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	c.Notes, c.Frequency, c.Circle, c.Tags, c.LastContactDate, c.TimeZone = "typed", contacts.FrequencyQuarterly, contacts.CircleFriends, []string{"t"}, &at, "Asia/Tokyo"
	c, err := f.s.Update(f.ctx, f.user, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddToGroup(f.ctx, f.user, g.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Archive(f.ctx, f.user, c.ID); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		page := people(3, fmt.Sprint("v", i+1))
		for j := range page {
			page[j].Name = fmt.Sprintf("Person %d v%d", j, i)
			page[j].Notes, page[j].Frequency, page[j].Tags = "google notes", contacts.FrequencyWeekly, []string{"google"}
		}
		f.apply(contacts.GooglePage{People: page, Pass: int64(i + 1)})
	}
	got := f.byName("people/c1")
	if got.Name != "Person 1 v9" || got.Notes != "typed" || got.Frequency != contacts.FrequencyQuarterly || got.Circle != contacts.CircleFriends ||
		!slices.Equal(got.Tags, []string{"t"}) || !got.LastContactDate.Equal(at) || got.TimeZone != "Asia/Tokyo" || !got.Archived ||
		!slices.Equal(got.GroupIDs, []uuid.UUID{g.ID}) {
		t.Fatalf("after ten pages %+v", got)
	}
}

// Unicode and right-to-left names round-trip; a person with 50 addresses
// and no name (the sync names it by its first address) keeps all 50; 100
// addresses, Google's cap, fit.
func TestUnicodeAndManyEmails(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	names := []string{"محمد بن موسى الخوارزمي", "עדה לאבלייס", "Ada Lovelace 🧮", "Zoë Ünïcödé", "李白"}
	var page []contacts.GooglePerson
	for i, n := range names {
		p := person(i, "u1")
		p.Name = n
		page = append(page, p)
	}
	many := person(50, "u1")
	many.Email = "first@example.com"
	many.Name = many.Email // the mapping's fallback for a person with no name
	for i := range 49 {
		many.OtherEmails = append(many.OtherEmails, fmt.Sprintf("Addr%d@Example.com", i))
	}
	most := person(100, "u1")
	for i := range contacts.MaxOtherEmails {
		most.OtherEmails = append(most.OtherEmails, fmt.Sprintf("a%d@example.com", i))
	}
	page = append(page, many, most)
	if r := f.apply(contacts.GooglePage{People: page}); r.Inserted != len(page) {
		t.Fatalf("%+v", r)
	}
	for i, n := range names {
		if got := f.byName(fmt.Sprintf("people/c%d", i)); got.Name != n {
			t.Errorf("name %q came back as %q", n, got.Name)
		}
	}
	got := f.byName("people/c50")
	if got.Name != "first@example.com" || len(got.OtherEmails) != 49 {
		t.Fatalf("50 addresses: %q, %d others", got.Name, len(got.OtherEmails))
	}
	if found, _ := f.s.FindByEmail(f.ctx, f.user, "addr48@example.com"); len(found) != 1 {
		t.Fatal("the 50th address is not found")
	}
	if got := f.byName("people/c100"); len(got.OtherEmails) != contacts.MaxOtherEmails {
		t.Fatalf("100 addresses: %d others", len(got.OtherEmails))
	}
	// A manual contact with many addresses linking to a person with many:
	// the union is capped, never refused.
	m := contacts.Contact{Name: "Many", Email: "shared@example.com"}
	for i := range 60 {
		m.OtherEmails = append(m.OtherEmails, fmt.Sprintf("mine%d@example.com", i))
	}
	mc, err := f.s.Create(f.ctx, f.user, m)
	if err != nil {
		t.Fatal(err)
	}
	p := person(200, "u1")
	p.Email = "shared@example.com"
	for i := range 60 {
		p.OtherEmails = append(p.OtherEmails, fmt.Sprintf("theirs%d@example.com", i))
	}
	if r := f.apply(contacts.GooglePage{People: []contacts.GooglePerson{p}}); r.Linked != 1 {
		t.Fatalf("%+v", r)
	}
	if got, _ := f.s.Get(f.ctx, f.user, mc.ID); len(got.OtherEmails) != contacts.MaxOtherEmails || got.OtherEmails[0] != "theirs0@example.com" {
		t.Fatalf("linked many: %d others", len(got.OtherEmails))
	}
}

// Rejections under SkipInvalid, and a refused page writes nothing.
func TestApplyGooglePageRejects(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	page := people(5, "v1")
	page[1].Email = "broken"
	page[2].PreviousResourceNames = []string{""}
	page[3].Groups = []string{"contactGroups/\u202e"}
	page[4].GoogleResourceName = page[0].GoogleResourceName
	_, err := f.s.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{People: page}, contacts.GooglePageOptions{})
	if fe := wantField(t, "default", err, "email"); fe != nil && fe.Row != 2 {
		t.Errorf("row %d", fe.Row)
	}
	if f.count() != 0 {
		t.Fatal("a refused page wrote")
	}
	res, err := f.s.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{People: page}, contacts.GooglePageOptions{SkipInvalid: true})
	if err != nil || res.Inserted != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	var got []string
	for _, r := range res.Rejected {
		var fe *contacts.FieldError
		if !errors.As(r, &fe) || fe.Row != r.Row {
			t.Errorf("rejection %+v", r)
			continue
		}
		got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.GoogleResourceName, fe.Field))
	}
	want := []string{"2 people/c1 email", "3 people/c2 previous_resource_names", "4 people/c3 groups", "5 people/c0 google_resource_name"}
	if !slices.Equal(got, want) {
		t.Errorf("rejected %q, want %q", got, want)
	}
	_, err = f.s.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{Deleted: []string{""}}, contacts.GooglePageOptions{})
	wantField(t, "empty deleted name", err, "deleted")
	_, err = f.s.ApplyGooglePage(f.ctx, uuid.Nil, contacts.GooglePage{People: people(1, "")}, contacts.GooglePageOptions{})
	wantField(t, "nil user", err, "user_id")
}

// Google groups become kith groups; memberships in them follow Google,
// those of the user's own groups never change.
func TestGoogleGroups(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	mine, err := f.s.CreateGroup(f.ctx, f.user, "Friends")
	if err != nil {
		t.Fatal(err)
	}
	groups := []contacts.GoogleGroup{{"contactGroups/a", "Work"}, {"contactGroups/b", "friends"}, {"contactGroups/c", "Family"}}
	res, err := f.s.SyncGoogleGroups(f.ctx, f.user, groups)
	if err != nil || res != (contacts.GoogleGroupsResult{Created: 3}) {
		t.Fatalf("%+v %v", res, err)
	}
	byName := func() map[string]uuid.UUID {
		gs, err := f.s.Groups(f.ctx, f.user)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]uuid.UUID{}
		for _, g := range gs {
			m[g.Name] = g.ID
		}
		return m
	}
	ids := byName()
	if len(ids) != 4 || ids["Friends"] != mine.ID || ids["friends (Google)"] == uuid.Nil {
		t.Fatalf("groups %v", ids)
	}
	// Memberships.
	page := people(3, "v1")
	page[0].Groups = []string{"contactGroups/a", "contactGroups/b", "contactGroups/unknown"}
	page[1].Groups = []string{"contactGroups/a"}
	r := f.apply(contacts.GooglePage{People: page})
	if r.MembershipsAdded != 3 || r.MembershipsRemoved != 0 {
		t.Fatalf("%+v", r)
	}
	c0 := f.byName("people/c0")
	if err := f.s.AddToGroup(f.ctx, f.user, mine.ID, c0.ID); err != nil {
		t.Fatal(err)
	}
	// c0 leaves a and b and joins c; c1 leaves a.
	page = people(3, "v2")
	page[0].Groups = []string{"contactGroups/c"}
	r = f.apply(contacts.GooglePage{People: page})
	if r.MembershipsAdded != 1 || r.MembershipsRemoved != 3 {
		t.Fatalf("%+v", r)
	}
	got := f.byName("people/c0").GroupIDs
	slices.SortFunc(got, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	want := []uuid.UUID{ids["Family"], mine.ID}
	slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("c0 groups %v, want Family and the user's own", got)
	}
	// Same groups, unchanged etag: nothing.
	if r = f.apply(contacts.GooglePage{People: page}); r.MembershipsAdded+r.MembershipsRemoved != 0 {
		t.Fatalf("%+v", r)
	}
	// Renames; a rename onto the user's name; the user's group frees its
	// name; a Google group deleted is unlinked with its members.
	if _, err := f.s.RenameGroup(f.ctx, f.user, mine.ID, "Old friends"); err != nil {
		t.Fatal(err)
	}
	res, err = f.s.SyncGoogleGroups(f.ctx, f.user, []contacts.GoogleGroup{{"contactGroups/b", "Friends"}, {"contactGroups/c", "FAMILY"}, {"contactGroups/d", "old FRIENDS"}})
	if err != nil || res != (contacts.GoogleGroupsResult{Created: 1, Renamed: 2, Unlinked: 1}) {
		t.Fatalf("%+v %v", res, err)
	}
	ids2 := byName()
	if ids2["Friends"] != ids["friends (Google)"] || ids2["FAMILY"] != ids["Family"] || ids2["Work"] != ids["Work"] ||
		ids2["Old friends"] != mine.ID || ids2["old FRIENDS (Google)"] == uuid.Nil {
		t.Fatalf("groups %v", ids2)
	}
	// Work is the user's now: the sync leaves its members alone.
	if err := f.s.AddToGroup(f.ctx, f.user, ids["Work"], c0.ID); err != nil {
		t.Fatal(err)
	}
	f.apply(contacts.GooglePage{People: page[:1]})
	if got := f.byName("people/c0").GroupIDs; len(got) != 3 {
		t.Fatalf("c0 groups %v", got)
	}
	// A name colliding with several: numbered.
	if _, err := f.s.CreateGroup(f.ctx, f.user, "x (google)"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateGroup(f.ctx, f.user, "X"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SyncGoogleGroups(f.ctx, f.user, []contacts.GoogleGroup{{"contactGroups/x", "x"}, {"contactGroups/y", "\u202e"}}); err != nil {
		t.Fatal(err)
	}
	if ids := byName(); ids["x (Google 2)"] == uuid.Nil || ids["Google group"] == uuid.Nil {
		t.Fatalf("groups %v", ids)
	}
	_, err = f.s.SyncGoogleGroups(f.ctx, f.user, []contacts.GoogleGroup{{"contactGroups/x", "x"}, {"contactGroups/x", "y"}})
	wantField(t, "repeated group", err, "google_resource_name")
}

// Two sync workers applying overlapping pages of one user at once (in
// opposite orders, with merges and deletions) never deadlock, and end with
// one contact per person.
func TestApplyGooglePageConcurrent(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	if _, err := f.s.SyncGoogleGroups(f.ctx, f.user, []contacts.GoogleGroup{{"contactGroups/a", "A"}, {"contactGroups/b", "B"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := f.s.Create(f.ctx, f.user, contacts.Contact{Name: "manual", Email: fmt.Sprintf("p%d@example.com", i*7)}); err != nil {
			t.Fatal(err)
		}
	}
	const workers, rounds, size = 6, 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				page := people(size, fmt.Sprintf("w%d-r%d", w, r))
				for i := range page {
					page[i].OtherEmails = []string{fmt.Sprintf("shared%d@example.com", i%7)}
					page[i].Groups = []string{"contactGroups/a", "contactGroups/b"}[:(i+w)%3%2+1]
				}
				page = page[w*20:]
				if w%2 == 1 {
					slices.Reverse(page)
				}
				_, err := f.s.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{People: page, Deleted: []string{fmt.Sprintf("people/c%d", 400+w)}, Pass: int64(w + 1)},
					contacts.GooglePageOptions{})
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, r, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var linked int
	if err := f.db.GetContext(f.ctx, &linked, `SELECT count(DISTINCT google_resource_name) FROM kith.contacts WHERE user_id = $1 AND google_resource_name <> ''`, f.user); err != nil {
		t.Fatal(err)
	}
	if n := f.count(); linked != size || n != size+50-43 {
		t.Fatalf("%d linked, %d contacts; want %d linked (43 of them manual contacts), %d in all", linked, n, size, size+50-43)
	}
}

// Inside a host's transaction (WithTx) a page is part of it: rolled back,
// nothing stays.
func TestApplyGooglePageInHostTx(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	tx, err := f.db.BeginTxx(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := f.s.WithTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ts.ApplyGooglePage(f.ctx, f.user, contacts.GooglePage{People: people(3, "v1")}, contacts.GooglePageOptions{}); err != nil || r.Inserted != 3 {
		t.Fatal(r, err)
	}
	if n, _ := ts.Count(f.ctx, f.user, contacts.CountOptions{}); n != 3 {
		t.Fatalf("inside the transaction: %d", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if f.count() != 0 {
		t.Fatal("a rolled-back page stayed")
	}
	var nilTx *sqlx.Tx
	if _, err := f.s.WithTx(nilTx); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("typed-nil tx: %v", err)
	}
}

// A contact stays within MaxGroupsPerContact groups: Google groups beyond
// the bound are not added, and the page is not refused.
func TestGoogleGroupsBound(t *testing.T) {
	t.Parallel()
	f := newGfix(t)
	var gg []contacts.GoogleGroup
	var names []string
	for i := range 3 {
		gg = append(gg, contacts.GoogleGroup{ResourceName: fmt.Sprintf("contactGroups/%d", i), Name: fmt.Sprintf("G%d", i)})
		names = append(names, gg[i].ResourceName)
	}
	if _, err := f.s.SyncGoogleGroups(f.ctx, f.user, gg); err != nil {
		t.Fatal(err)
	}
	f.apply(contacts.GooglePage{People: people(1, "v1")})
	c := f.byName("people/c0")
	for i := range contacts.MaxGroupsPerContact - 1 {
		g, err := f.s.CreateGroup(f.ctx, f.user, fmt.Sprintf("mine %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.AddToGroup(f.ctx, f.user, g.ID, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	page := people(2, "v2")
	page[0].Groups, page[1].Groups = names, names
	r := f.apply(contacts.GooglePage{People: page})
	if r.MembershipsAdded != 1+3 || len(f.byName("people/c0").GroupIDs) != contacts.MaxGroupsPerContact || len(f.byName("people/c1").GroupIDs) != 3 {
		t.Fatalf("%+v", r)
	}
}
