package contacts_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// Errors name the package once, put the sentinel first and the context
// after it, and never show Postgres constraint names; the driver's error
// stays in the chain.
func TestErrorTexts(t *testing.T) {
	t.Parallel()
	s, ctx, user := newStore(t), context.Background(), uuid.New()
	missing := uuid.New()

	_, err := s.Get(ctx, user, missing)
	if !errors.Is(err, contacts.ErrNotFound) || err.Error() != "contacts: not found: get contact "+missing.String() {
		t.Errorf("Get of a missing contact: %q", err)
	}
	if err := s.Delete(ctx, user, missing); !errors.Is(err, contacts.ErrNotFound) || err.Error() != "contacts: not found: delete contact "+missing.String() {
		t.Errorf("Delete of a missing contact: %q", err)
	}
	if err := s.AddToGroup(ctx, user, missing); !errors.Is(err, contacts.ErrNotFound) || err.Error() != "contacts: not found: add to group "+missing.String()+": no such group" {
		t.Errorf("AddToGroup of a missing group: %q", err)
	}

	if _, err := s.CreateGroup(ctx, user, "family"); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateGroup(ctx, user, "family")
	if !errors.Is(err, contacts.ErrDuplicate) || err.Error() != `contacts: duplicate: create group "family": a group named "family" exists` {
		t.Errorf("second group of the same name: %q", err)
	}
	var withCode interface{ SQLState() string }
	if !errors.As(err, &withCode) || withCode.SQLState() != "23505" {
		t.Errorf("the driver's error is not in the chain of %q", err)
	}

	for _, err := range []error{err, func() error { _, err := s.Get(ctx, user, missing); return err }()} {
		if strings.Count(err.Error(), "contacts:") != 1 || strings.Contains(err.Error(), "_key") || strings.Contains(err.Error(), "constraint") {
			t.Errorf("error text %q: want the package name once and no constraint", err)
		}
	}
}
