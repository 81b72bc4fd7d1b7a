package kith_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
	"github.com/kithhq/kith/suggest"
)

// uuid.Nil as a user is refused with the same words by every package and
// every method: "<pkg>: invalid user_id: user ID is uuid.Nil".
func TestNilUserMessageIsTheSameEverywhere(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gen, err := suggest.New(db, suggest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nilUser := uuid.Nil
	calls := map[string]func() error{
		"contacts.Create": func() error { _, err := store.Create(ctx, nilUser, contacts.Contact{Name: "A"}); return err },
		"contacts.List":   func() error { _, err := store.List(ctx, nilUser, contacts.ListOptions{}); return err },
		"contacts.Search": func() error {
			_, err := store.Search(ctx, nilUser, contacts.SearchOptions{Query: "a"})
			return err
		},
		"contacts.GroupCounts": func() error { _, err := store.GroupCounts(ctx, nilUser); return err },
		"contacts.CreateMany": func() error {
			_, err := store.CreateMany(ctx, nilUser, []contacts.Contact{{Name: "A"}})
			return err
		},
		"stream.MinimalContacts": func() error {
			for _, err := range stream.MinimalContacts(ctx, db, nilUser, stream.Options{}) {
				return err
			}
			return nil
		},
		"suggest.Generate": func() error { _, err := gen.Generate(ctx, nilUser, nil); return err },
		"contactsio.ExportCSV": func() error {
			_, err := contactsio.ExportCSV(ctx, io.Discard, db, nilUser, contactsio.ExportOptions{})
			return err
		},
		"kith.DeleteUser": func() error { _, err := kith.DeleteUser(ctx, db, nilUser, kith.DeleteUserOptions{}); return err },
	}
	for name, call := range calls {
		err := call()
		pkg, _, _ := strings.Cut(name, ".")
		want := pkg + ": invalid user_id: user ID is uuid.Nil"
		if err == nil || err.Error() != want {
			t.Errorf("%s(uuid.Nil) = %v; want %q", name, err, want)
		}
	}
}
