package contacts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// wantField fails unless err is a *FieldError for field (errors.Is
// ErrInvalid).
func wantField(t *testing.T, what string, err error, field string) *contacts.FieldError {
	t.Helper()
	var fe *contacts.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("%s: %v, want a FieldError for %q", what, err, field)
		return nil
	}
	return fe
}

// wantConflict fails unless err is a *ConflictError with these versions.
func wantConflict(t *testing.T, what string, err error, stored, given int64) {
	t.Helper()
	var ce *contacts.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, contacts.ErrConflict) || ce.Stored != stored || ce.Given != given {
		t.Errorf("%s: %v, want a ConflictError stored %d given %d", what, err, stored, given)
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ann@example.com":              "ann@example.com",
		"  Ann@Example.COM \t":         "ann@example.com",
		"ANN+news@Example.com":         "ann+news@example.com", // plus-addressing kept
		"a.n.n@gmail.com":              "a.n.n@gmail.com",      // dots kept
		"Ann@BÜCHER.example":           "ann@xn--bcher-kva.example",
		"ann@xn--bcher-kva.EXAMPLE":    "ann@xn--bcher-kva.example",
		"josé@example.com":             "josé@example.com",
		strings.Repeat("a", 64) + "@x": strings.Repeat("a", 64) + "@x",
	} {
		got, err := contacts.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "   ", "not-an-email", "Ann <ann@example.com>", "ann@", "@example.com", "ann@exa mple.com",
		strings.Repeat("a", 65) + "@example.com", // local part over 64 bytes
		"ann@" + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + ".com",
		"ann@under_score.example", "ann\u202e@example.com", "ann@exa\u202emple.com",
	} {
		got, err := contacts.NormalizeEmail(in)
		wantField(t, fmt.Sprintf("NormalizeEmail(%q) = %q", in, got), err, "email")
	}
}

func TestEveryEmailKeptAndFound(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, user := context.Background(), uuid.New()
	ann, err := s.Create(ctx, user, contacts.Contact{
		Name: "Ann", Email: " Ann@Example.com ",
		OtherEmails: []string{"ann@work.example", " ANN@example.com ", "Ann@Work.Example", "Ann@BÜCHER.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Kept as given (trimmed); addresses repeating an earlier one dropped.
	if ann.Email != "Ann@Example.com" || !slices.Equal(ann.OtherEmails, []string{"ann@work.example", "Ann@BÜCHER.example"}) {
		t.Fatalf("stored %q %q", ann.Email, ann.OtherEmails)
	}
	// A second person sharing the work address (a team inbox).
	team, _ := s.Create(ctx, user, contacts.Contact{Name: "Team", Email: "ANN@WORK.EXAMPLE"})
	_, _ = s.Create(ctx, user, contacts.Contact{Name: "Other", Email: "other@example.com"})
	find := func(email string) []uuid.UUID {
		t.Helper()
		found, err := s.FindByEmail(ctx, user, email)
		if err != nil {
			t.Fatalf("FindByEmail(%q): %v", email, err)
		}
		ids := []uuid.UUID{}
		for _, c := range found {
			ids = append(ids, c.ID)
		}
		return ids
	}
	both := []uuid.UUID{ann.ID, team.ID}
	slices.SortFunc(both, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	for email, want := range map[string][]uuid.UUID{
		"ann@example.com":           {ann.ID},
		"ANN@EXAMPLE.COM":           {ann.ID},
		"ann@work.example":          both, // mail from a secondary address finds the person (twentyhq/twenty#8991)
		"ann@xn--bcher-kva.example": {ann.ID},
		"ann@bücher.example":        {ann.ID},
		"nobody@example.com":        {},
		"ann+x@example.com":         {},
	} {
		if got := find(email); !slices.Equal(got, want) {
			t.Errorf("FindByEmail(%q) = %v, want %v", email, got, want)
		}
	}
	_, err = s.FindByEmail(ctx, user, "not an email")
	wantField(t, "FindByEmail of a non-address", err, "email")
	if got, err := s.FindByEmail(ctx, user, "nobody@example.com"); err != nil || got == nil {
		t.Errorf("no match: %v, %v; want an empty, non-nil slice", got, err)
	}

	// Dropping an address and changing the primary move the index along.
	ann.OtherEmails = []string{"Ann@BÜCHER.example"}
	ann.Email = "ann@new.example"
	if ann, err = s.Update(ctx, user, ann); err != nil {
		t.Fatal(err)
	}
	if got := find("ann@work.example"); !slices.Equal(got, []uuid.UUID{team.ID}) {
		t.Errorf("after removing the work address: %v", got)
	}
	if got := find("ann@example.com"); len(got) != 0 {
		t.Errorf("old primary still found: %v", got)
	}
	if got := find("ann@new.example"); !slices.Equal(got, []uuid.UUID{ann.ID}) {
		t.Errorf("new primary not found: %v", got)
	}
	if err := s.Delete(ctx, user, ann.ID); err != nil {
		t.Fatal(err)
	}
	if got := find("ann@bücher.example"); len(got) != 0 {
		t.Errorf("deleted contact still found: %v", got)
	}
	// The index holds exactly the live contacts' addresses.
	var orphans int
	if err := db.GetContext(ctx, &orphans, `SELECT count(*) FROM kith.contact_emails e
		WHERE NOT EXISTS (SELECT 1 FROM kith.contacts c WHERE c.user_id = e.user_id AND c.id = e.contact_id AND e.email = ANY (c.email_keys))`); err != nil {
		t.Fatal(err)
	}
	var rows int
	_ = db.GetContext(ctx, &rows, `SELECT count(*) FROM kith.contact_emails WHERE user_id = $1`, user)
	if orphans != 0 || rows != 2 {
		t.Errorf("contact_emails: %d orphans, %d rows; want 0, 2", orphans, rows)
	}

	// Refused addresses name their field.
	_, err = s.Create(ctx, user, contacts.Contact{Name: "X", OtherEmails: []string{"ok@example.com", "broken"}})
	wantField(t, "bad other email", err, "other_emails")
	_, err = s.Create(ctx, user, contacts.Contact{Name: "X", OtherEmails: []string{""}})
	wantField(t, "empty other email", err, "other_emails")
	many := make([]string, contacts.MaxOtherEmails+1)
	for i := range many {
		many[i] = fmt.Sprintf("a%d@example.com", i)
	}
	_, err = s.Create(ctx, user, contacts.Contact{Name: "X", OtherEmails: many})
	wantField(t, "too many other emails", err, "other_emails")
	_, err = s.Create(ctx, user, contacts.Contact{Name: "X", Email: strings.Repeat("a", 65) + "@example.com"})
	wantField(t, "long local part", err, "email")
}

// TestFindByEmailPlan checks that the look-up is one range of the
// (user, email) key, with a large second tenant holding the same address.
func TestFindByEmailPlan(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, user, other := context.Background(), uuid.New(), uuid.New()
	if _, err := s.Create(ctx, user, contacts.Contact{Name: "Ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `
		INSERT INTO kith.contacts (user_id, name, email, email_keys)
		SELECT $1, 'n' || i, 'ann@example.com', ARRAY['ann@example.com', 'p' || i || '@example.com']
		FROM generate_series(1, 20000) i`, other); err != nil {
		t.Fatal(err)
	}
	// The user has other addresses too: with a single row, any index
	// leading with the user (the search GiST of contact_emails among them)
	// costs the planner the same, and it may pick either.
	if _, err := db.ExecContext(ctx, `
		INSERT INTO kith.contacts (user_id, name, email, email_keys)
		SELECT $1, 'u' || i, 'u' || i || '@example.com', ARRAY['u' || i || '@example.com']
		FROM generate_series(1, 2000) i`, user); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"kith.contacts", "kith.contact_emails"} {
		if _, err := db.ExecContext(ctx, `VACUUM ANALYZE `+table); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.FindByEmail(ctx, other, "ANN@example.com"); err != nil || len(got) != 20000 {
		t.Fatalf("second tenant: %d contacts, %v", len(got), err)
	}
	plan := explain(t, db, contacts.FindByEmailSQL(s), user, "ann@example.com")
	if !strings.Contains(plan, "contact_emails_pkey") || strings.Contains(plan, "Seq Scan") {
		t.Errorf("FindByEmail plan does not use the (user, email) key:\n%s", plan)
	}
}

func explain(t *testing.T, db *sqlx.DB, query string, args ...any) string {
	t.Helper()
	var lines []string
	if err := db.Select(&lines, "EXPLAIN "+query, args...); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestVersionsAndConflicts(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	c, err := s.Create(ctx, user, fullContact())
	if err != nil || c.Version != 1 {
		t.Fatalf("created at version %d, %v", c.Version, err)
	}
	stale := c
	c.Notes = "second"
	if c, err = s.Update(ctx, user, c); err != nil || c.Version != 2 {
		t.Fatalf("update: version %d, %v", c.Version, err)
	}
	stale.Notes = "from an old tab"
	_, err = s.Update(ctx, user, stale)
	wantConflict(t, "stale update", err, 2, 1)
	if got, _ := s.Get(ctx, user, c.ID); got.Notes != "second" || got.Version != 2 {
		t.Fatalf("stale update wrote: %q v%d", got.Notes, got.Version)
	}
	// Every other write bumps the version too, so a copy read before it is stale.
	steps := []struct {
		name string
		do   func() error
	}{
		{"MarkContacted", func() error {
			_, err := s.MarkContacted(ctx, user, []uuid.UUID{c.ID}, time.Now())
			return err
		}},
		{"Archive", func() error { return s.Archive(ctx, user, c.ID) }},
		{"Unarchive", func() error { return s.Unarchive(ctx, user, c.ID) }},
		{"Patch", func() error {
			_, err := s.Patch(ctx, user, c.ID, contacts.ContactPatch{Phone: ptr("1")}, c.Version)
			return err
		}},
	}
	for _, st := range steps {
		before, _ := s.Get(ctx, user, c.ID)
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after, _ := s.Get(ctx, user, c.ID)
		if after.Version != before.Version+1 {
			t.Errorf("%s: version %d -> %d", st.name, before.Version, after.Version)
		}
		c = after
	}
	// Group membership is not an edit of the contact: no bump.
	g, _ := s.CreateGroup(ctx, user, "g")
	if err := s.AddToGroup(ctx, user, g.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Get(ctx, user, c.ID); after.Version != c.Version {
		t.Errorf("membership bumped the version %d -> %d", c.Version, after.Version)
	}
	missing := c
	missing.ID = uuid.New()
	if _, err := s.Update(ctx, user, missing); !errors.Is(err, contacts.ErrNotFound) || errors.Is(err, contacts.ErrConflict) {
		t.Errorf("update of a missing contact: %v", err)
	}
}

// TestSyncThenStaleEdit is the lost-update case: a form opened before a
// sync must neither revert what the sync wrote nor move the last contact
// back.
func TestSyncThenStaleEdit(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	if _, err := writeGooglePage(ctx, s, user, googlePage(1, "v1"), contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	found, _ := s.FindByEmail(ctx, user, "p0@example.com")
	form := found[0]
	page := googlePage(1, "v2")
	page[0].Name, page[0].Email = "Renamed In Google", "new@example.com"
	if _, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	form.Notes = "typed in the old form"
	_, err := s.Update(ctx, user, form)
	wantConflict(t, "update after a sync", err, 2, 1)
	_, err = s.Patch(ctx, user, form.ID, contacts.ContactPatch{Notes: ptr("x")}, form.Version)
	wantConflict(t, "patch after a sync", err, 2, 1)
	got, _ := s.Get(ctx, user, form.ID)
	if got.Name != "Renamed In Google" || got.Email != "new@example.com" || got.Notes != "" {
		t.Errorf("sync reverted: %+v", got)
	}
}

// TestConcurrentUpdatesOneWins: many writers from one copy, one succeeds.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	c, _ := s.Create(ctx, user, contacts.Contact{Name: "Shared"})
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			if i%2 == 0 {
				cc := c
				cc.Notes = fmt.Sprint("writer ", i)
				_, errs[i] = s.Update(ctx, user, cc)
			} else {
				_, errs[i] = s.Patch(ctx, user, c.ID, contacts.ContactPatch{Notes: ptr(fmt.Sprint("writer ", i))}, c.Version)
			}
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, contacts.ErrConflict):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	got, _ := s.Get(ctx, user, c.ID)
	if won != 1 || got.Version != 2 {
		t.Fatalf("%d writers won, version %d; want 1, 2", won, got.Version)
	}
}

func TestPatch(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	c, _ := s.Create(ctx, user, fullContact())
	// What a form sends: only the fields on it.
	var p contacts.ContactPatch
	if err := json.Unmarshal([]byte(`{"Name": "  Ada King ", "Notes": "Countess"}`), &p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Patch(ctx, user, c.ID, p, c.Version)
	if err != nil {
		t.Fatal(err)
	}
	want := fullContact()
	want.Name, want.Notes = "Ada King", "Countess"
	sameContact(t, got, want)
	if got.Version != 2 || got.Email != c.Email || got.Frequency != c.Frequency {
		t.Fatalf("patch touched more than asked: %+v", got)
	}
	// Clearing a list, moving the last contact: forward only.
	earlier, later := c.LastContactDate.AddDate(0, -1, 0), c.LastContactDate.AddDate(0, 1, 0)
	got, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{Tags: &[]string{}, LastContactDate: &earlier}, got.Version)
	if err != nil || len(got.Tags) != 0 || !got.LastContactDate.Equal(*c.LastContactDate) {
		t.Fatalf("patch tags/earlier date: %v %v, %v", got.Tags, got.LastContactDate, err)
	}
	got, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{LastContactDate: &later}, got.Version)
	if err != nil || !got.LastContactDate.Equal(later) {
		t.Fatalf("patch later date: %v, %v", got.LastContactDate, err)
	}
	_, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{Email: ptr("broken")}, got.Version)
	wantField(t, "patch with a bad email", err, "email")
	_, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{Notes: ptr("x")}, 1)
	wantConflict(t, "stale patch", err, got.Version, 1)
	if _, err := s.Patch(ctx, user, uuid.New(), contacts.ContactPatch{Notes: ptr("x")}, 1); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("patch of a missing contact: %v", err)
	}
	if _, err := s.Patch(ctx, uuid.New(), c.ID, contacts.ContactPatch{Notes: ptr("x")}, got.Version); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("patch of another user's contact: %v", err)
	}
}

func TestSyncOwnedFields(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	synced := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	page := googlePage(1, "e1")
	page[0].LastSyncedAt = &synced
	if _, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	found, _ := s.FindByEmail(ctx, user, "p0@example.com")
	c := found[0]
	check := func(what string, got contacts.Contact) {
		t.Helper()
		if got.GoogleResourceName != "people/c0" || got.GoogleETag != "e1" || got.LastSyncedAt == nil || !got.LastSyncedAt.Equal(synced) {
			t.Errorf("%s changed the sync fields: %q %q %v", what, got.GoogleResourceName, got.GoogleETag, got.LastSyncedAt)
		}
	}
	edit := c
	edit.GoogleResourceName, edit.GoogleETag, edit.LastSyncedAt, edit.Notes = "", "", nil, "n"
	got, err := s.Update(ctx, user, edit)
	if err != nil {
		t.Fatal(err)
	}
	check("Update", got)
	got, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{Name: ptr("P")}, got.Version)
	if err != nil {
		t.Fatal(err)
	}
	check("Patch", got)
	// Create ignores them: no way to claim a Google person by hand.
	manual, err := s.Create(ctx, user, contacts.Contact{Name: "M", GoogleResourceName: "people/c0", GoogleETag: "x", LastSyncedAt: &synced})
	if err != nil || manual.GoogleResourceName != "" || manual.GoogleETag != "" || manual.LastSyncedAt != nil {
		t.Fatalf("Create stored sync fields: %+v, %v", manual, err)
	}
	// Unlink clears them; the next sync of the person is a new contact.
	got, err = s.Unlink(ctx, user, c.ID)
	if err != nil || got.GoogleResourceName != "" || got.GoogleETag != "" || got.LastSyncedAt != nil || got.Version != 4 {
		t.Fatalf("Unlink: %+v, %v", got, err)
	}
	// (A person sharing an address with it would be linked to it again.)
	again := googlePage(1, "e1")
	again[0].Email = "p0-elsewhere@example.com"
	res, err := writeGooglePage(ctx, s, user, again, contacts.GooglePageOptions{})
	if err != nil || res.Inserted != 1 {
		t.Fatalf("sync after unlink: %+v, %v", res, err)
	}
	if _, err := s.Unlink(ctx, user, uuid.New()); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("Unlink of a missing contact: %v", err)
	}
}

func TestDateBounds(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, user := context.Background(), uuid.New()
	c, err := s.Create(ctx, user, contacts.Contact{Name: "C", LastContactDate: ptr(now.Add(23 * time.Hour))})
	if err != nil {
		t.Fatalf("a date within the default 24h skew: %v", err)
	}
	bad := map[string]time.Time{
		"zero":             {},
		"year 1":           time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		"1899-12-31":       time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC),
		"25h in future":    now.Add(25 * time.Hour),
		"a year in future": now.AddDate(1, 0, 0),
	}
	for name, at := range bad {
		_, err := s.Create(ctx, user, contacts.Contact{Name: "X", LastContactDate: ptr(at)})
		fe := wantField(t, "Create "+name, err, "last_contact_date")
		if fe != nil && strings.Contains(name, "future") && !strings.Contains(fe.Error(), "in the future; at most 1 day ahead of the clock (Config.MaxFutureSkew 24h0m0s)") {
			t.Errorf("unclear error: %v", fe)
		}
		_, err = s.MarkContacted(ctx, user, []uuid.UUID{c.ID}, at)
		wantField(t, "MarkContacted "+name, err, "last_contact_date")
		_, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{LastContactDate: ptr(at)}, c.Version)
		wantField(t, "Patch "+name, err, "last_contact_date")
		page := googlePage(1, "e")
		page[0].LastContactDate = ptr(at)
		_, err = writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{})
		wantField(t, "ApplyGooglePage "+name, err, "last_contact_date")
		_, err = s.Create(ctx, user, contacts.Contact{Name: "X", CircleAssignedAt: ptr(at)})
		if !strings.Contains(name, "future") {
			wantField(t, "Create circle_assigned_at "+name, err, "circle_assigned_at")
		}
	}
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != 3 { // c and the two future circle_assigned_at
		t.Fatalf("refused writes stored rows: %d contacts", n)
	}
	if _, err := s.Create(ctx, user, contacts.Contact{Name: "Old", LastContactDate: ptr(contacts.MinDate)}); err != nil {
		t.Errorf("MinDate refused: %v", err)
	}
	// Update with an older copy's date, or none, keeps the stored date.
	c2 := c
	c2.LastContactDate = ptr(now.AddDate(-1, 0, 0))
	got, err := s.Update(ctx, user, c2)
	if err != nil || !got.LastContactDate.Equal(*c.LastContactDate) {
		t.Fatalf("update moved the date back: %v, %v", got.LastContactDate, err)
	}
	got.LastContactDate = nil
	if got, err = s.Update(ctx, user, got); err != nil || got.LastContactDate == nil {
		t.Fatalf("update cleared the date: %v, %v", got.LastContactDate, err)
	}
	// A configured skew.
	strict, _ := contacts.NewStore(db, contacts.Config{MaxFutureSkew: time.Minute, Now: func() time.Time { return now }})
	_, err = strict.MarkContacted(ctx, user, []uuid.UUID{c.ID}, now.Add(2*time.Minute))
	wantField(t, "2m ahead with a 1m skew", err, "last_contact_date")
	if _, err := contacts.NewStore(db, contacts.Config{MaxFutureSkew: -time.Hour}); !errors.Is(err, contacts.ErrInvalid) ||
		!strings.Contains(err.Error(), "MaxFutureSkew") || !strings.Contains(err.Error(), "-1h0m0s") {
		t.Errorf("negative skew: %v", err)
	}
}

// TestGooglePageConcurrentNoDeadlock runs sync workers over overlapping
// pages of one user, half of them given the page in reverse order.
func TestGooglePageConcurrentNoDeadlock(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, user := context.Background(), uuid.New()
	const workers, rounds, size = 6, 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				page := googlePage(size, fmt.Sprintf("w%d-r%d", w, r)) // a new etag: every row is written
				for i := range page {
					page[i].OtherEmails = []string{fmt.Sprintf("shared%d@example.com", i%7)}
				}
				page = page[w*20:] // overlapping windows
				if w%2 == 1 {
					slices.Reverse(page)
				}
				if _, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{}); err != nil {
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
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != size {
		t.Fatalf("%d contacts, want %d", n, size)
	}
	if found, _ := s.FindByEmail(ctx, user, "shared3@example.com"); len(found) != (size-3+6)/7 {
		t.Fatalf("shared3: %d contacts, want %d", len(found), (size-3+6)/7)
	}
}

func TestGooglePageSkipInvalid(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	page := googlePage(6, "v1")
	page[0].OtherEmails = []string{"Alt0@Example.com"}
	page[1].Email = "broken"
	page[3].LastContactDate = ptr(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	page[5].GoogleResourceName = page[2].GoogleResourceName

	_, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{})
	if fe := wantField(t, "default", err, "email"); fe != nil && fe.Row != 2 {
		t.Errorf("row %d, want 2", fe.Row)
	}
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != 0 {
		t.Fatalf("a refused batch wrote %d", n)
	}
	res, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{SkipInvalid: true})
	if err != nil || counts(res) != [3]int{3, 0, 0} {
		t.Fatalf("SkipInvalid: %+v, %v", res, err)
	}
	type rej struct {
		row         int
		name, field string
	}
	var got []rej
	for _, r := range res.Rejected {
		var fe *contacts.FieldError
		if !errors.As(r, &fe) || !errors.Is(r, contacts.ErrInvalid) || fe.Row != r.Row {
			t.Errorf("rejection %+v does not carry its FieldError", r)
			continue
		}
		got = append(got, rej{r.Row, r.GoogleResourceName, fe.Field})
	}
	want := []rej{{2, "people/c1", "email"}, {4, "people/c3", "last_contact_date"}, {6, "people/c2", "google_resource_name"}}
	if !slices.Equal(got, want) {
		t.Errorf("rejected %+v, want %+v", got, want)
	}
	// Other emails travel with the sync, and are replaced by the next one.
	if found, _ := s.FindByEmail(ctx, user, "alt0@example.com"); len(found) != 1 || found[0].GoogleResourceName != "people/c0" {
		t.Fatalf("other email of a synced contact: %+v", found)
	}
	next := googlePage(1, "v2")
	next[0].OtherEmails = []string{"alt0-new@example.com"}
	if _, err := writeGooglePage(ctx, s, user, next, contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	if found, _ := s.FindByEmail(ctx, user, "alt0@example.com"); len(found) != 0 {
		t.Errorf("replaced address still found")
	}
	if found, _ := s.FindByEmail(ctx, user, "ALT0-new@example.com"); len(found) != 1 || found[0].Version != 2 {
		t.Errorf("new address: %+v", found)
	}
}

func TestInputNormalization(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	decomposed := "  Ame\u0301lie Poulain\t"
	c, err := s.Create(ctx, user, contacts.Contact{Name: decomposed, Tags: []string{" climbing ", "climbing", "Cafe\u0301", "Café", "b"}, Notes: "rtl \u202e note"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Am\u00e9lie Poulain" || !slices.Equal(c.Tags, []string{"climbing", "Café", "b"}) || c.Notes != "rtl \u202e note" {
		t.Fatalf("stored %q %q %q", c.Name, c.Tags, c.Notes)
	}
	for _, r := range []rune{0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069} {
		_, err := s.Create(ctx, user, contacts.Contact{Name: "evil" + string(r) + "gpj.exe"})
		wantField(t, fmt.Sprintf("name with %U", r), err, "name")
	}
	_, err = s.Create(ctx, user, contacts.Contact{Name: "x", Tags: []string{"a\u2066b"}})
	wantField(t, "tag with an isolate", err, "tags")
	_, err = s.Create(ctx, user, contacts.Contact{Name: "x", Tags: []string{"  "}})
	wantField(t, "blank tag", err, "tags")
	if err := (&contacts.Contact{Name: " ok ", Email: " ok@example.com "}).Validate(); err != nil {
		t.Errorf("Validate refuses what the store accepts: %v", err)
	}

	fam, err := s.CreateGroup(ctx, user, " Family ")
	if err != nil || fam.Name != "Family" {
		t.Fatalf("group: %+v, %v", fam, err)
	}
	for _, name := range []string{"family", "FAMILY", "  fAmIlY"} {
		if _, err := s.CreateGroup(ctx, user, name); !errors.Is(err, contacts.ErrDuplicate) {
			t.Errorf("CreateGroup(%q) beside Family: %v, want ErrDuplicate", name, err)
		}
	}
	if _, err := s.CreateGroup(ctx, user, "Straße"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, user, "STRASSE"); !errors.Is(err, contacts.ErrDuplicate) {
		t.Errorf("STRASSE beside Straße: %v", err)
	}
	if _, err := s.CreateGroup(ctx, user, "E\u0301cole"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, user, "\u00c9COLE"); !errors.Is(err, contacts.ErrDuplicate) {
		t.Errorf("ÉCOLE (precomposed) beside École (decomposed): %v", err)
	}
	if g, err := s.RenameGroup(ctx, user, fam.ID, "family"); err != nil || g.Name != "family" {
		t.Errorf("renaming to a case variant of itself: %+v, %v", g, err)
	}
	other, _ := s.CreateGroup(ctx, user, "friends")
	if _, err := s.RenameGroup(ctx, user, other.ID, "FAMILY"); !errors.Is(err, contacts.ErrDuplicate) {
		t.Errorf("rename onto another group's name: %v", err)
	}
	_, err = s.CreateGroup(ctx, user, "fam\u202eily")
	wantField(t, "group name with an override", err, "group_name")
	if _, err := s.CreateGroup(ctx, uuid.New(), "Family"); err != nil {
		t.Errorf("another user's Family: %v", err)
	}
}

// TestNilUserRefused calls every Store method with uuid.Nil.
func TestNilUserRefused(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, nobody, id := context.Background(), uuid.Nil, uuid.New()
	calls := map[string]func() error{
		"Create": func() error { _, err := s.Create(ctx, nobody, contacts.Contact{Name: "x"}); return err },
		"Get":    func() error { _, err := s.Get(ctx, nobody, id); return err },
		"Update": func() error { _, err := s.Update(ctx, nobody, contacts.Contact{ID: id, Name: "x"}); return err },
		"Patch": func() error {
			_, err := s.Patch(ctx, nobody, id, contacts.ContactPatch{}, 1)
			return err
		},
		"Unlink":      func() error { _, err := s.Unlink(ctx, nobody, id); return err },
		"FindByEmail": func() error { _, err := s.FindByEmail(ctx, nobody, "a@example.com"); return err },
		"Archive":     func() error { return s.Archive(ctx, nobody, id) },
		"Unarchive":   func() error { return s.Unarchive(ctx, nobody, id) },
		"Delete":      func() error { return s.Delete(ctx, nobody, id) },
		"Count":       func() error { _, err := s.Count(ctx, nobody, contacts.CountOptions{IncludeArchived: true}); return err },
		"MarkContacted": func() error {
			_, err := s.MarkContacted(ctx, nobody, []uuid.UUID{id}, time.Now())
			return err
		},
		"ApplyGooglePage": func() error {
			_, err := writeGooglePage(ctx, s, nobody, googlePage(1, "e"), contacts.GooglePageOptions{SkipInvalid: true})
			return err
		},
		"Groups":          func() error { _, err := s.Groups(ctx, nobody); return err },
		"CreateGroup":     func() error { _, err := s.CreateGroup(ctx, nobody, "g"); return err },
		"RenameGroup":     func() error { _, err := s.RenameGroup(ctx, nobody, id, "g"); return err },
		"DeleteGroup":     func() error { return s.DeleteGroup(ctx, nobody, id) },
		"AddToGroup":      func() error { return s.AddToGroup(ctx, nobody, id, id) },
		"RemoveFromGroup": func() error { return s.RemoveFromGroup(ctx, nobody, id, id) },
	}
	for name, call := range calls {
		wantField(t, name, call(), "user_id")
	}
	var n int
	if err := db.Get(&n, `SELECT (SELECT count(*) FROM kith.contacts WHERE user_id = $1) + (SELECT count(*) FROM kith.groups WHERE user_id = $1)`, uuid.Nil); err != nil || n != 0 {
		t.Fatalf("uuid.Nil rows: %d, %v", n, err)
	}
}

// TestCreateManyIndexesEmails: imported contacts are normalized and
// findable like created ones.
func TestCreateManyIndexesEmails(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	res, err := s.CreateMany(ctx, user, []contacts.Contact{
		{Name: " Imported ", Email: "Imp@Example.com", OtherEmails: []string{"imp@work.example"}},
		{Name: "Future", LastContactDate: ptr(time.Now().AddDate(0, 0, 3))},
	})
	if err != nil || res.Created != 1 || len(res.Rejected) != 1 || res.Rejected[0].Field != "last_contact_date" {
		t.Fatalf("CreateMany: %+v, %v", res, err)
	}
	found, err := s.FindByEmail(ctx, user, "IMP@WORK.EXAMPLE")
	if err != nil || len(found) != 1 || found[0].Name != "Imported" || found[0].Version != 1 {
		t.Fatalf("imported contact by its other email: %+v, %v", found, err)
	}
}
