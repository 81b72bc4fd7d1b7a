package calendar_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/kithhq/kith/calendar"
)

// uuid.Nil as the user is refused by every per-user entry point, before
// any statement or Google call, with the words every kith package uses
// ("<pkg>: invalid user_id: user ID is uuid.Nil"), never gsync's own; in
// SyncAll the *UserError puts the user after "invalid:".
func TestNilUserIsRefusedInThePackagesWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtestDB(t)
	noGoogle := func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
		t.Error("TokenSource called for uuid.Nil")
		return nil, errors.New("unreachable")
	}
	s, err := calendar.New(db, calendar.Config{TokenSource: noGoogle})
	if err != nil {
		t.Fatal(err)
	}
	const want = "calendar: invalid user_id: user ID is uuid.Nil"
	nilUser := uuid.Nil
	calls := map[string]func() error{
		"Sync":       func() error { _, err := s.Sync(ctx, nilUser, "primary"); return err },
		"SyncUser":   func() error { _, err := s.SyncUser(ctx, nilUser); return err },
		"Status":     func() error { _, err := s.Status(ctx, nilUser, "primary"); return err },
		"ListStatus": func() error { _, err := s.ListStatus(ctx, nilUser); return err },
		"Calendars":  func() error { _, err := s.Calendars(ctx, nilUser); return err },
		"SaveCalendars": func() error {
			_, err := s.SaveCalendars(ctx, nilUser, []calendar.Calendar{{ID: "primary"}})
			return err
		},
		"ApplyInteractions":  func() error { _, err := s.ApplyInteractions(ctx, nilUser, t0); return err },
		"UnmatchedAttendees": func() error { _, err := s.UnmatchedAttendees(ctx, nilUser, calendar.UnmatchedOptions{}); return err },
		"WriteEvents": func() error {
			_, err := s.WriteEvents(ctx, nilUser, "primary", nil, calendar.WriteOptions{})
			return err
		},
		"BeginFullPass": func() error { _, err := s.BeginFullPass(ctx, nilUser, "primary"); return err },
		"EndFullPass":   func() error { _, err := s.EndFullPass(ctx, nilUser, "primary", 1); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, calendar.ErrInvalid) || err.Error() != want {
			t.Errorf("%s(uuid.Nil) = %v; want %q matching ErrInvalid", name, err, want)
		}
	}
	rep, err := s.SyncAll(ctx, usersOf(nilUser), calendar.AllOptions{})
	var ue *calendar.UserError
	const wantAll = "calendar: invalid: user 00000000-0000-0000-0000-000000000000: user_id: user ID is uuid.Nil"
	if !errors.As(err, &ue) || !errors.Is(err, calendar.ErrInvalid) || err.Error() != wantAll || rep.Failed != 1 {
		t.Errorf("SyncAll(uuid.Nil) = %+v, %v; want %q", rep, err, wantAll)
	}
}

// A user or calendar never synced has a Status with only Resource set,
// and no error: a host shows "never synced" without special cases.
func TestStatusOfNeverSynced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := calendar.New(kithtestDB(t), calendar.Config{TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
		return nil, errors.New("unreachable")
	}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(ctx, uuid.New(), "primary")
	if err != nil || st.Resource != "calendar:primary" || st.LastRun != nil || st.LastSuccessAt != nil || st.FailingSince != nil || st.LastError != "" {
		t.Errorf("Status: %+v, %v", st, err)
	}
	if st, err := s.ListStatus(ctx, uuid.New()); err != nil || st.Resource != "calendarList" || st.LastRun != nil || st.LastSuccessAt != nil {
		t.Errorf("ListStatus: %+v, %v", st, err)
	}
}
