package suggest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// Errors name the package once: the sentinel first, then what was being
// done, then details.
func TestErrorTexts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	ctx, user, missing := context.Background(), uuid.New(), uuid.New()
	f.add(user, "a", contacts.FrequencyWeekly, 30*day)
	a := find(t, f.generate(user).Suggestions, "a")

	if err := f.g.Accept(ctx, user, missing); !errors.Is(err, ErrNotFound) || err.Error() != "suggest: not found: accept "+missing.String() {
		t.Errorf("accept of a missing suggestion: %q", err)
	}
	if err := f.g.Dismiss(ctx, user, a.ID); err != nil {
		t.Fatal(err)
	}
	want := "suggest: suggestion is not pending: accept " + a.ID.String() + " (it is dismissed)"
	if err := f.g.Accept(ctx, user, a.ID); !errors.Is(err, ErrNotPending) || err.Error() != want {
		t.Errorf("accept of a dismissed suggestion: %q, want %q", err, want)
	}
	want = "suggest: invalid: snooze " + a.ID.String() + ": until "
	if err := f.g.Snooze(ctx, user, a.ID, f.clock.Now()); !errors.Is(err, ErrInvalid) || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("snooze into the past: %q, want it to start %q", err, want)
	}
	if _, err := New(fakeDB{}, Config{Limit: MaxLimit + 1}); err == nil || err.Error() != "suggest: invalid: Config.Limit 10001: must be in [1, 10000], or 0 for the default" {
		t.Errorf("Limit too big: %q", err)
	}
}
