package contacts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// A stored last-contact date beyond MaxFutureSkew (written by a store whose
// clock ran ahead) does not block edits that leave the date alone; moving
// it is still bounded, and it still only moves forward.
func TestEditContactWithStoredFutureDate(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ahead, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return now.Add(72 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	future := now.Add(60 * time.Hour)
	c, err := ahead.Create(ctx, user, contacts.Contact{Name: "Ada", LastContactDate: &future})
	if err != nil {
		t.Fatal(err)
	}

	p, err := s.Patch(ctx, user, c.ID, contacts.ContactPatch{Notes: ptr("met at PyCon")}, c.Version)
	if err != nil {
		t.Fatalf("Patch of Notes only: %v", err)
	}
	if p.Notes != "met at PyCon" || !eqTime(p.LastContactDate, &future) {
		t.Errorf("Patch: notes %q, date %v; want notes set, date %v kept", p.Notes, p.LastContactDate, future)
	}

	p.Name = "Ada L."
	u, err := s.Update(ctx, user, p)
	if err != nil {
		t.Fatalf("Update leaving the date as read: %v", err)
	}
	if u.Name != "Ada L." || !eqTime(u.LastContactDate, &future) {
		t.Errorf("Update: name %q, date %v", u.Name, u.LastContactDate)
	}

	// Moving the date beyond the bound is still refused, by both.
	further := future.Add(time.Hour)
	_, err = s.Patch(ctx, user, c.ID, contacts.ContactPatch{LastContactDate: &further}, u.Version)
	wantField(t, "Patch moving the date too far", err, "last_contact_date")
	u2 := u
	u2.LastContactDate = &further
	_, err = s.Update(ctx, user, u2)
	wantField(t, "Update moving the date too far", err, "last_contact_date")

	// An earlier date keeps the stored one (forward only).
	u3 := u
	u3.LastContactDate = &now
	got, err := s.Update(ctx, user, u3)
	if err != nil || !eqTime(got.LastContactDate, &future) {
		t.Errorf("Update with an earlier date: %v, %v; want the stored %v", got.LastContactDate, err, future)
	}
}

// An empty patch writes nothing and keeps the version, but a stale version
// is still a conflict.
func TestEmptyPatchIsNoOp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	user := uuid.New()
	c, err := s.Create(ctx, user, contacts.Contact{Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Patch(ctx, user, c.ID, contacts.ContactPatch{}, c.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != c.Version || !got.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("empty patch: version %d updated %v; want %d %v unchanged", got.Version, got.UpdatedAt, c.Version, c.UpdatedAt)
	}
	again, err := s.Get(ctx, user, c.ID)
	if err != nil || again.Version != c.Version {
		t.Errorf("stored version after empty patch: %d, %v; want %d", again.Version, err, c.Version)
	}
	if _, err := s.Patch(ctx, user, c.ID, contacts.ContactPatch{}, c.Version-1); !errors.Is(err, contacts.ErrConflict) {
		t.Errorf("empty patch with a stale version: %v; want ErrConflict", err)
	}
}

// A duplicate group name names the group, in kith's words (no constraint
// names).
func TestDuplicateGroupNamesTheGroup(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	user := uuid.New()
	if _, err := s.CreateGroup(ctx, user, "fam"); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateGroup(ctx, user, "Fam")
	want := `contacts: duplicate: create group "Fam": a group named "fam" exists`
	if !errors.Is(err, contacts.ErrDuplicate) || err.Error() != want {
		t.Errorf("CreateGroup duplicate: %v; want %q", err, want)
	}
	g, err := s.CreateGroup(ctx, user, "Work")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.RenameGroup(ctx, user, g.ID, "FAM")
	if !errors.Is(err, contacts.ErrDuplicate) || !strings.Contains(err.Error(), `a group named "fam" exists`) {
		t.Errorf("RenameGroup duplicate: %v", err)
	}
}
