package calendar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithhq/kith/calendar"
)

// A NUL byte, which PostgreSQL's text and jsonb cannot hold, is refused
// before any statement with ErrInvalid naming the event and the field (not
// a driver error), in every text field an Event carries; nothing of the
// page is written.
func TestWriteEventsRefusesNUL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ctx := context.Background()
	end := t0.Add(-time.Hour)
	good := meeting("ok", end, "ann@example.com")
	cases := map[string]func(ev *calendar.Event){
		"ID":                         func(ev *calendar.Event) { ev.ID = "x\x00y" },
		"ICalUID":                    func(ev *calendar.Event) { ev.ICalUID = "x\x00@google.com" },
		"RecurringEventID":           func(ev *calendar.Event) { ev.RecurringEventID = "series\x00" },
		"ETag":                       func(ev *calendar.Event) { ev.ETag = "\"1\x00\"" },
		"OrganizerEmail":             func(ev *calendar.Event) { ev.OrganizerEmail = "me\x00@example.com" },
		"Attendees[1].Email":         func(ev *calendar.Event) { ev.Attendees[1].Email = "bob\x00@example.com" },
		"Attendees[1].DisplayName":   func(ev *calendar.Event) { ev.Attendees[1].DisplayName = "Bob\x00" },
		"Attendees[0].DisplayName":   func(ev *calendar.Event) { ev.Attendees[0].DisplayName = "\x00" }, // even the user's own entry
		"RecurringEventID/cancelled": func(ev *calendar.Event) { ev.Status, ev.RecurringEventID = calendar.StatusCancelled, "s\x00" },
	}
	for field, edit := range cases {
		bad := meeting("bad", end, "bob@example.com")
		edit(&bad)
		_, err := e.store.WriteEvents(ctx, e.user, "primary", []calendar.Event{good, bad}, calendar.WriteOptions{})
		if !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", field, err)
			continue
		}
		name, _, _ := strings.Cut(field, "/")
		if msg := err.Error(); !strings.Contains(msg, "event 2: "+name+": contains a NUL byte") {
			t.Errorf("%s: %q should name the event and the field", field, msg)
		}
	}
	_, err := e.store.WriteEvents(ctx, e.user, "pri\x00mary", []calendar.Event{good}, calendar.WriteOptions{})
	if !errors.Is(err, calendar.ErrInvalid) || !strings.Contains(err.Error(), "calendar ID: contains a NUL byte") {
		t.Errorf("calendar ID with NUL: %v", err)
	}
	if _, err := e.store.BeginFullPass(ctx, e.user, "pri\x00mary"); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("BeginFullPass, calendar ID with NUL: %v", err)
	}
	if got := e.events("primary"); len(got) != 0 {
		t.Errorf("refused pages wrote %v", got)
	}
}

// EndFullPass with a pass BeginFullPass never returned is an error and
// deletes nothing; a superseded pass is not an error (it deletes nothing).
func TestEndFullPassUnknownPass(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ctx := context.Background()
	end := t0.Add(-time.Hour)
	// No calendar at all yet.
	if n, err := e.store.EndFullPass(ctx, e.user, "primary", 1); !errors.Is(err, calendar.ErrInvalid) || n != 0 {
		t.Errorf("EndFullPass of a calendar never seen: %d, %v; want ErrInvalid", n, err)
	}
	// A calendar written incrementally has no pass yet.
	e.write("primary", calendar.WriteOptions{}, meeting("a", end), meeting("b", end))
	if n, err := e.store.EndFullPass(ctx, e.user, "primary", 1); !errors.Is(err, calendar.ErrInvalid) || n != 0 {
		t.Errorf("EndFullPass before any BeginFullPass: %d, %v; want ErrInvalid", n, err)
	}
	pass, err := e.store.BeginFullPass(ctx, e.user, "primary")
	if err != nil {
		t.Fatal(err)
	}
	e.write("primary", calendar.WriteOptions{Pass: pass}, meeting("a", end))
	// A pass beyond the latest: an error naming the pass; nothing deleted.
	n, err := e.store.EndFullPass(ctx, e.user, "primary", pass+1)
	if !errors.Is(err, calendar.ErrInvalid) || n != 0 || !strings.Contains(err.Error(), "not begun") {
		t.Errorf("EndFullPass(pass+1): %d, %v; want ErrInvalid, not begun", n, err)
	}
	// Another calendar's pass is not this one's.
	if _, err := e.store.EndFullPass(ctx, e.user, "work", pass); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("EndFullPass of another calendar's pass: %v", err)
	}
	if got := strings.Join(e.events("primary"), ","); got != "a,b" {
		t.Fatalf("events after refused ends: %s, want a,b", got)
	}
	// The pass itself ends normally.
	if n, err := e.store.EndFullPass(ctx, e.user, "primary", pass); err != nil || n != 1 {
		t.Errorf("EndFullPass(pass): %d, %v; want 1 deleted", n, err)
	}
}
