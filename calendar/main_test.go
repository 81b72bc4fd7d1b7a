package calendar_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// t0 is a fixed "now" of the tests: meetings before it have ended.
var t0 = time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	db    *sqlx.DB
	store *calendar.Store
	cs    *contacts.Store
	user  uuid.UUID
}

func newEnv(t *testing.T, rules calendar.Rules) *env {
	t.Helper()
	db := kithtest.DB(t)
	return newEnvOn(t, db, rules)
}

func newEnvOn(t *testing.T, db *sqlx.DB, rules calendar.Rules) *env {
	t.Helper()
	s, err := calendar.NewStore(db, calendar.StoreConfig{Rules: rules, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := contacts.NewStore(db, contacts.Config{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, store: s, cs: cs, user: uuid.New()}
}

// contact creates a contact with the given addresses (the first primary).
func (e *env) contact(name string, emails ...string) contacts.Contact {
	e.t.Helper()
	c := contacts.Contact{Name: name}
	if len(emails) > 0 {
		c.Email, c.OtherEmails = emails[0], emails[1:]
	}
	c, err := e.cs.Create(context.Background(), e.user, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// lastContact reads a contact's last-contact date and version.
func (e *env) lastContact(id uuid.UUID) (*time.Time, int64) {
	e.t.Helper()
	c, err := e.cs.Get(context.Background(), e.user, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.LastContactDate, c.Version
}

func (e *env) write(cal string, opts calendar.WriteOptions, evs ...calendar.Event) calendar.WriteResult {
	e.t.Helper()
	res, err := e.store.WriteEvents(context.Background(), e.user, cal, evs, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) apply(now time.Time) calendar.ApplyResult {
	e.t.Helper()
	res, err := e.store.ApplyInteractions(context.Background(), e.user, now)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// meeting is a one-hour meeting ending at end, organized by the user, with
// the given other attendees (accepted).
func meeting(id string, end time.Time, others ...string) calendar.Event {
	ev := calendar.Event{
		ID: id, ICalUID: id + "@google.com", Status: calendar.StatusConfirmed,
		Start: end.Add(-time.Hour), End: end, OrganizerEmail: "me@example.com", OrganizerSelf: true,
		ETag:      `"1"`,
		Attendees: []calendar.Attendee{{Email: "me@example.com", Self: true, Organizer: true, ResponseStatus: calendar.ResponseAccepted}},
	}
	for _, o := range others {
		ev.Attendees = append(ev.Attendees, calendar.Attendee{Email: o, ResponseStatus: calendar.ResponseAccepted})
	}
	return ev
}

// invited is meeting organized by someone else, the user answering resp.
func invited(id string, end time.Time, resp string, others ...string) calendar.Event {
	ev := meeting(id, end, others...)
	ev.OrganizerSelf, ev.OrganizerEmail = false, others[0]
	ev.Attendees[0].Organizer = false
	ev.Attendees[0].ResponseStatus = resp
	ev.Attendees[1].Organizer = true
	return ev
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sameTime(a *time.Time, b time.Time) bool { return a != nil && a.Equal(b) }

func kithtestDB(t *testing.T) *sqlx.DB { return kithtest.DB(t) }
