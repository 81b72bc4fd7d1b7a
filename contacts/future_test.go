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

// TestFarFutureDateReadsInYears: a date centuries ahead is told in years and
// days, not as a time.Duration (which overflowed to 2562047h47m16.85s).
func TestFarFutureDateReadsInYears(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, user := context.Background(), uuid.New()
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
			"2999-01-01T00:00:00Z is 972 years (355,047 days) in the future; at most 1 day ahead of the clock (Config.MaxFutureSkew 24h0m0s)"},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
			"2300-01-01T00:00:00Z is 273 years (99,742 days) in the future; at most 1 day ahead of the clock (Config.MaxFutureSkew 24h0m0s)"},
		{now.AddDate(1, 0, 0), "2027-11-30T12:00:00Z is 1 year (365 days) in the future"},
		{now.AddDate(0, 0, 40), "2027-01-09T12:00:00Z is 40 days in the future"},
		{now.Add(25 * time.Hour), "2026-12-01T13:00:00Z is 25h0m0s in the future"},
	} {
		_, err := s.Create(ctx, user, contacts.Contact{Name: "X", LastContactDate: &tc.at})
		var fe *contacts.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, contacts.ErrInvalid) || fe.Field != "last_contact_date" {
			t.Fatalf("Create %v: %v; want a FieldError for last_contact_date", tc.at, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Create %v: %q; want it to contain %q", tc.at, err, tc.want)
		}
	}
	s7, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return now }, MaxFutureSkew: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	at := now.AddDate(0, 0, 10)
	_, err = s7.Create(ctx, user, contacts.Contact{Name: "X", LastContactDate: &at})
	if want := "is 10 days in the future; at most 7 days ahead of the clock (Config.MaxFutureSkew 168h0m0s)"; !errors.Is(err, contacts.ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("Create 10 days ahead with a 7-day skew: %v; want %q", err, want)
	}
}
