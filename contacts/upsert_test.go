package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

func googlePage(n int, etag string) []contacts.Contact {
	page := make([]contacts.Contact, n)
	for i := range page {
		page[i] = contacts.Contact{
			Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i),
			Source: "google", GoogleResourceName: fmt.Sprintf("people/c%d", i), GoogleETag: etag,
		}
	}
	return page
}

// writeGooglePage writes contacts as one page of a Google sync: the
// people of ApplyGooglePage, without groups or previous names, synced at
// the first contact's LastSyncedAt when it has one, else now.
func writeGooglePage(ctx context.Context, s *contacts.Store, user uuid.UUID, page []contacts.Contact, opts contacts.GooglePageOptions) (contacts.GooglePageResult, error) {
	gp := contacts.GooglePage{People: make([]contacts.GooglePerson, len(page))}
	for i := range page {
		gp.People[i].Contact = page[i]
	}
	if len(page) > 0 && page[0].LastSyncedAt != nil {
		gp.SyncedAt = *page[0].LastSyncedAt
	}
	return s.ApplyGooglePage(ctx, user, gp, opts)
}

// counts is Inserted, Updated, Unchanged of r.
func counts(r contacts.GooglePageResult) [3]int { return [3]int{r.Inserted, r.Updated, r.Unchanged} }

func TestGooglePageCounts(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	res, err := writeGooglePage(ctx, s, user, googlePage(3, "v1"), contacts.GooglePageOptions{})
	if err != nil || counts(res) != [3]int{3, 0, 0} {
		t.Fatalf("first upsert = %+v, %v", res, err)
	}
	res, err = writeGooglePage(ctx, s, user, googlePage(3, "v1"), contacts.GooglePageOptions{})
	if err != nil || counts(res) != [3]int{0, 0, 3} {
		t.Fatalf("same etags = %+v, %v", res, err)
	}
	page := googlePage(4, "v2")
	page[0].Name, page[0].Notes, page[0].Frequency = "Renamed", "from google", contacts.FrequencyWeekly
	res, err = writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{})
	if err != nil || counts(res) != [3]int{1, 3, 0} {
		t.Fatalf("new etags = %+v, %v", res, err)
	}
}

func TestGooglePageKeepsUserFields(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, _ := contacts.NewStore(db, contacts.Config{})
	ctx, user := context.Background(), uuid.New()
	if _, err := writeGooglePage(ctx, s, user, googlePage(1, "v1"), contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := db.GetContext(ctx, &id, `SELECT id FROM kith.contacts WHERE user_id = $1`, user); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Get(ctx, user, id)
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	c.Notes, c.Frequency, c.Circle, c.Tags, c.LastContactDate = "met at PyCon", contacts.FrequencyMonthly, contacts.CircleFriends, []string{"conf"}, &at
	if _, err := s.Update(ctx, user, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Archive(ctx, user, id); err != nil {
		t.Fatal(err)
	}
	page := googlePage(1, "v2")
	page[0].Name, page[0].Email, page[0].Notes, page[0].Frequency = "New Name", "new@example.com", "", contacts.FrequencyNone
	if _, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, user, id)
	if got.Name != "New Name" || got.Email != "new@example.com" || got.GoogleETag != "v2" {
		t.Errorf("google fields not refreshed: %+v", got)
	}
	if got.Notes != "met at PyCon" || got.Frequency != contacts.FrequencyMonthly || got.Circle != contacts.CircleFriends ||
		len(got.Tags) != 1 || !got.Archived || got.LastContactDate == nil || !got.LastContactDate.Equal(at) {
		t.Errorf("user fields overwritten: %+v", got)
	}
}

func TestGooglePageRefusesBadPages(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	check := func(name string, page []contacts.Contact, field string, row int) {
		t.Helper()
		_, err := writeGooglePage(ctx, s, user, page, contacts.GooglePageOptions{})
		var fe *contacts.FieldError
		if !errors.As(err, &fe) || fe.Field != field || fe.Row != row {
			t.Errorf("%s: %v, want FieldError{%s, row %d}", name, err, field, row)
		}
	}
	page := googlePage(5, "v")
	page[3].GoogleResourceName = page[1].GoogleResourceName
	check("duplicate resource name", page, "google_resource_name", 4)
	page = googlePage(5, "v")
	page[2].GoogleResourceName = ""
	check("missing resource name", page, "google_resource_name", 3)
	page = googlePage(5, "v")
	page[4].Email = "broken"
	check("bad email", page, "email", 5)
	check("too large", make([]contacts.Contact, contacts.MaxGooglePage+1), "people", 0)
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != 0 {
		t.Fatalf("refused batches wrote %d contacts", n)
	}
	if res, err := writeGooglePage(ctx, s, user, nil, contacts.GooglePageOptions{}); err != nil || res.Inserted+res.Updated+res.Unchanged != 0 || res.Rejected == nil {
		t.Fatalf("empty batch: %+v %v", res, err)
	}
}
