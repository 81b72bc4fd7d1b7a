package calendar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/calendar"
)

func (e *env) events(cal string) []string {
	e.t.Helper()
	var ids []string
	if err := e.db.SelectContext(context.Background(), &ids, `SELECT event_id FROM kith.calendar_events
		WHERE user_id = $1 AND calendar_id = $2 ORDER BY event_id`, e.user, cal); err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func (e *env) attendees(cal, event string) []string {
	e.t.Helper()
	var emails []string
	if err := e.db.SelectContext(context.Background(), &emails, `SELECT a.email
		FROM kith.calendar_events e, unnest(e.attendee_emails) AS a(email)
		WHERE e.user_id = $1 AND e.calendar_id = $2 AND e.event_id = $3 ORDER BY 1`, e.user, cal, event); err != nil {
		e.t.Fatal(err)
	}
	return emails
}

func TestWriteEventsInsertUpdateUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	a := meeting("a", t0.Add(-48*time.Hour), "ann@example.com")
	b := meeting("b", t0.Add(-24*time.Hour), "bob@example.com")
	res := e.write("primary", calendar.WriteOptions{}, a, b)
	if res.Inserted != 2 || res.Updated != 0 || res.Unchanged != 0 {
		t.Fatalf("first write %+v", res)
	}
	// Same etags: nothing written. A changed one is rewritten with its
	// attendees: bob leaves, cyd joins.
	b2 := meeting("b", t0.Add(-24*time.Hour), "CYD@Example.com")
	b2.ETag = `"2"`
	res = e.write("primary", calendar.WriteOptions{}, a, b2)
	if res.Inserted != 0 || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("second write %+v", res)
	}
	if got := e.attendees("primary", "b"); strings.Join(got, ",") != "cyd@example.com" {
		t.Errorf("attendees of b = %v, want [cyd@example.com]", got)
	}
	// An event repeated in a page counts once, the last entry winning.
	a2 := a
	a2.ETag = `"3"`
	res = e.write("primary", calendar.WriteOptions{}, a, a2)
	if res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("repeated write %+v", res)
	}
	var etag string
	if err := e.db.Get(&etag, `SELECT etag FROM kith.calendar_events WHERE user_id = $1 AND event_id = 'a'`, e.user); err != nil || etag != `"3"` {
		t.Errorf("etag %q, %v", etag, err)
	}
}

func TestWriteEventsAttendeesStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ev := meeting("m", t0.Add(-time.Hour))
	ev.Attendees = append(ev.Attendees,
		calendar.Attendee{Email: " Ann@Example.COM ", DisplayName: "Ann", ResponseStatus: calendar.ResponseAccepted},
		calendar.Attendee{Email: "ann@example.com", ResponseStatus: calendar.ResponseTentative}, // same address again
		calendar.Attendee{Email: "room-1@example.com", Resource: true},
		calendar.Attendee{Email: "c_123@resource.calendar.google.com"},
		calendar.Attendee{Email: "team@group.calendar.google.com"},
		calendar.Attendee{Email: "dan@example.com", ResponseStatus: calendar.ResponseDeclined},
		calendar.Attendee{Email: "not an address"},
		calendar.Attendee{Email: "eve@BÜCHER.example", ResponseStatus: calendar.ResponseNeedsAction},
	)
	e.write("primary", calendar.WriteOptions{}, ev)
	got := e.attendees("primary", "m")
	want := "ann@example.com,eve@xn--bcher-kva.example"
	if strings.Join(got, ",") != want {
		t.Errorf("stored attendees %v, want %s", got, want)
	}
	// People invited: me, ann (twice), team, dan, "not an address", eve;
	// the two rooms are not people.
	var n int
	if err := e.db.Get(&n, `SELECT attendee_count FROM kith.calendar_events WHERE user_id = $1`, e.user); err != nil || n != 7 {
		t.Errorf("attendee_count %d, %v; want 7", n, err)
	}
}

func TestCancelledInstanceRemovesThatInstanceOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	var series []calendar.Event
	for i, day := range []string{"20261001", "20261008", "20261015"} {
		ev := meeting("weekly_"+day, t0.Add(time.Duration(i-3)*7*24*time.Hour), "ann@example.com")
		ev.RecurringEventID = "weekly"
		ev.ICalUID = "weekly@google.com"
		series = append(series, ev)
	}
	other := meeting("single", t0.Add(-time.Hour), "bob@example.com")
	e.write("primary", calendar.WriteOptions{}, append(series, other)...)
	res := e.write("primary", calendar.WriteOptions{}, calendar.Event{ID: "weekly_20261008", RecurringEventID: "weekly", Status: calendar.StatusCancelled})
	if res.Deleted != 1 || res.Cancelled != 1 {
		t.Errorf("cancel one instance: %+v", res)
	}
	if got := strings.Join(e.events("primary"), ","); got != "single,weekly_20261001,weekly_20261015" {
		t.Errorf("events after cancelling one instance: %s", got)
	}
	// A cancelled series removes its stored instances; a cancelled event
	// never stored is counted and changes nothing.
	res = e.write("primary", calendar.WriteOptions{}, calendar.Event{ID: "weekly", Status: calendar.StatusCancelled},
		calendar.Event{ID: "never-seen", Status: calendar.StatusCancelled})
	if res.Deleted != 2 || res.Cancelled != 2 {
		t.Errorf("cancel the series: %+v", res)
	}
	if got := strings.Join(e.events("primary"), ","); got != "single" {
		t.Errorf("events after cancelling the series: %s", got)
	}
}

func TestFullPassDeletesWhatItDidNotReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, calendar.Rules{})
	end := t0.Add(-time.Hour)
	e.write("primary", calendar.WriteOptions{}, meeting("keep", end), meeting("gone", end), meeting("changed", end))
	e.write("work", calendar.WriteOptions{}, meeting("other-calendar", end))

	pass, err := e.store.BeginFullPass(ctx, e.user, "primary")
	if err != nil {
		t.Fatal(err)
	}
	changed := meeting("changed", end)
	changed.ETag = `"2"`
	res := e.write("primary", calendar.WriteOptions{Pass: pass}, meeting("keep", end), changed)
	if res.Unchanged != 1 || res.Updated != 1 {
		t.Fatalf("page 1 %+v", res)
	}
	e.write("primary", calendar.WriteOptions{Pass: pass}, meeting("new", end))
	// A partial pass (no EndFullPass) deletes nothing.
	if got := len(e.events("primary")); got != 4 {
		t.Fatalf("%d events before the end of the pass, want 4", got)
	}
	// A pass that is no longer the latest deletes nothing.
	newer, err := e.store.BeginFullPass(ctx, e.user, "primary")
	if err != nil || newer != pass+1 {
		t.Fatalf("second pass %d, %v", newer, err)
	}
	if n, err := e.store.EndFullPass(ctx, e.user, "primary", pass); err != nil || n != 0 {
		t.Fatalf("EndFullPass of a stale pass: %d, %v", n, err)
	}
	for _, id := range []string{"keep", "changed", "new"} {
		ev := meeting(id, end)
		if id == "changed" {
			ev.ETag = `"2"`
		}
		e.write("primary", calendar.WriteOptions{Pass: newer}, ev)
	}
	n, err := e.store.EndFullPass(ctx, e.user, "primary", newer)
	if err != nil || n != 1 {
		t.Fatalf("EndFullPass: %d, %v; want 1 deleted", n, err)
	}
	if got := strings.Join(e.events("primary"), ","); got != "changed,keep,new" {
		t.Errorf("events after the pass: %s", got)
	}
	if got := e.events("work"); len(got) != 1 {
		t.Errorf("the other calendar's events: %v", got)
	}
}

func TestWriteEventsRefusesInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ctx := context.Background()
	good := meeting("ok", t0, "secret.person@example.com")
	backwards := meeting("bad", t0, "secret.person@example.com")
	backwards.End = backwards.Start.Add(-time.Minute)
	cases := map[string][]calendar.Event{
		"no id":      {good, {Start: t0, End: t0}},
		"backwards":  {good, backwards},
		"no times":   {good, {ID: "x"}},
		"bad status": {good, {ID: "x", Status: "maybe", Start: t0, End: t0}},
		"long etag":  {good, {ID: "x", Start: t0, End: t0, ETag: strings.Repeat("e", 201)}},
	}
	for name, page := range cases {
		_, err := e.store.WriteEvents(ctx, e.user, "primary", page, calendar.WriteOptions{})
		if !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "event 2") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %q should name the row and no address", name, err)
		}
	}
	if got := e.events("primary"); len(got) != 0 {
		t.Errorf("a refused page wrote %v", got)
	}
	if _, err := e.store.WriteEvents(ctx, uuid.Nil, "primary", []calendar.Event{good}, calendar.WriteOptions{}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("uuid.Nil: %v", err)
	}
	if _, err := e.store.WriteEvents(ctx, e.user, "", []calendar.Event{good}, calendar.WriteOptions{}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("empty calendar: %v", err)
	}
	if _, err := e.store.WriteEvents(ctx, e.user, "primary", nil, calendar.WriteOptions{Pass: -1}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("negative pass: %v", err)
	}
}

func TestAllDayEventKeepsItsDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	ev := meeting("offsite", t0, "ann@example.com")
	ev.AllDay = true
	ev.Start = time.Date(2026, 10, 5, 0, 0, 0, 0, berlin)
	ev.End = time.Date(2026, 10, 7, 0, 0, 0, 0, berlin)
	e.write("primary", calendar.WriteOptions{}, ev)
	var start, end string
	var endAt time.Time
	if err := e.db.QueryRow(`SELECT start_date::text, end_date::text, end_at FROM kith.calendar_events WHERE user_id = $1`, e.user).Scan(&start, &end, &endAt); err != nil {
		t.Fatal(err)
	}
	if start != "2026-10-05" || end != "2026-10-07" || !endAt.Equal(ev.End) {
		t.Errorf("stored %s..%s ending %v", start, end, endAt)
	}
}
