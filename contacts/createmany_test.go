package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

func TestCreateMany(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	user := uuid.New()

	full := fullContact()
	full.GoogleResourceName, full.GoogleETag, full.LastSyncedAt = "", "", nil
	batch := []contacts.Contact{
		full,
		{Name: ""},                             // row 2: no name
		{Name: "Bob", Email: "not an address"}, // row 3
		{Name: "Chloé", Tags: []string{"a"}},
	}
	res, err := s.CreateMany(ctx, user, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || len(res.Rejected) != 2 || len(res.Skipped) != 0 {
		t.Fatalf("created %d, rejected %v, skipped %v; want 2, rows 2 and 3, none", res.Created, res.Rejected, res.Skipped)
	}
	if r := res.Rejected; r[0].Row != 2 || r[0].Field != "name" || r[1].Row != 3 || r[1].Field != "email" {
		t.Fatalf("rejected %v %v, want name in row 2, email in row 3", r[0], r[1])
	}
	if !errors.Is(res.Rejected[0], contacts.ErrInvalid) {
		t.Fatalf("%v does not match ErrInvalid", res.Rejected[0])
	}
	if res.IDs[1] != uuid.Nil || res.IDs[2] != uuid.Nil || res.IDs[0] == uuid.Nil || res.IDs[3] == uuid.Nil {
		t.Fatalf("IDs %v: want set for rows 1 and 4 only", res.IDs)
	}
	got, err := s.Get(ctx, user, res.IDs[0])
	if err != nil {
		t.Fatal(err)
	}
	sameContact(t, got, full)
	if got, err := s.Get(ctx, user, res.IDs[3]); err != nil || got.Name != "Chloé" {
		t.Fatalf("row 4: %+v, %v", got, err)
	}

	// Rows naming one of the user's contacts are skipped; an ID unknown to
	// the user (another user's, or a deleted contact's) is ignored.
	again := []contacts.Contact{got, {ID: uuid.New(), Name: "Dora"}}
	res, err = s.CreateMany(ctx, user, again)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || len(res.Skipped) != 1 || res.Skipped[0] != 1 || res.IDs[1] == again[1].ID {
		t.Fatalf("re-import: %+v", res)
	}
	if n, _ := s.Count(ctx, user, contacts.CountOptions{IncludeArchived: true}); n != 3 {
		t.Fatalf("user has %d contacts, want 3", n)
	}
	// The same contact ID under another user is not a match.
	other := uuid.New()
	if res, err := s.CreateMany(ctx, other, again[:1]); err != nil || res.Created != 1 {
		t.Fatalf("other user: %+v, %v", res, err)
	}
}

// A row the database refuses though validation passed (here a check this
// test adds to its own database, as a later migration might) is rejected
// alone; the others are written.
func TestCreateManyDatabaseRefusal(t *testing.T) {
	ctx := context.Background()
	db := kithtest.DB(t)
	if _, err := db.ExecContext(ctx, `ALTER TABLE kith.contacts ADD CONSTRAINT test_no_p3 CHECK (name <> 'P3')`); err != nil {
		t.Fatal(err)
	}
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	var batch []contacts.Contact
	for i := range 5 {
		batch = append(batch, contacts.Contact{Name: fmt.Sprint("P", i)})
	}
	res, err := s.CreateMany(ctx, user, batch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || len(res.Rejected) != 1 || res.Rejected[0].Row != 4 || res.IDs[3] != uuid.Nil {
		t.Fatalf("%+v, want 4 created and row 4 rejected", res)
	}
	if !errors.Is(res.Rejected[0], contacts.ErrInvalid) || strings.Contains(res.Rejected[0].Error(), "test_no_p3") {
		t.Fatalf("%v: want ErrInvalid, without the constraint's name", res.Rejected[0])
	}
	if n, _ := s.Count(ctx, user, contacts.CountOptions{}); n != 4 {
		t.Fatalf("%d stored, want 4", n)
	}
}

func TestCreateManyArguments(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var fe *contacts.FieldError
	if _, err := s.CreateMany(ctx, uuid.Nil, []contacts.Contact{{Name: "A"}}); !errors.Is(err, contacts.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "user_id" {
		t.Fatalf("uuid.Nil user: %v, want a *FieldError on user_id", err)
	}
	big := make([]contacts.Contact, contacts.MaxCreateMany+1)
	if _, err := s.CreateMany(ctx, uuid.New(), big); !errors.Is(err, contacts.ErrInvalid) {
		t.Fatalf("oversized batch: %v, want ErrInvalid", err)
	}
	res, err := s.CreateMany(ctx, uuid.New(), nil)
	if err != nil || res.Created != 0 || res.Rejected == nil || res.Skipped == nil {
		t.Fatalf("empty batch: %+v, %v", res, err)
	}
}
