package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/calendar"
)

// Each rule of Rules, one meeting per case, each with its own contact.
func TestInteractionRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{
		SelfEmails: func(context.Context, uuid.UUID) ([]string, error) { return []string{"ME.Alias@Example.com"}, nil },
	})
	end := t0.Add(-2 * time.Hour)
	type tc struct {
		name  string
		ev    calendar.Event
		email string
		moves bool
	}
	big := meeting("big", end, "big@example.com")
	for i := range 9 {
		big.Attendees = append(big.Attendees, calendar.Attendee{Email: fmt.Sprintf("p%d@example.org", i), ResponseStatus: calendar.ResponseAccepted})
	}
	ten := meeting("ten", end, "ten@example.com")
	for i := range 8 {
		ten.Attendees = append(ten.Attendees, calendar.Attendee{Email: fmt.Sprintf("q%d@example.org", i)})
	}
	ten.Attendees = append(ten.Attendees, calendar.Attendee{Email: "room@example.com", Resource: true})
	allDay := meeting("allday", end, "allday@example.com")
	allDay.AllDay = true
	allDay.Start, allDay.End = time.Date(2026, 10, 18, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)
	declinedOther := meeting("declined-other", end, "declined@example.com")
	declinedOther.Attendees[1].ResponseStatus = calendar.ResponseDeclined
	selfFlag := meeting("selfflag", end, "selfflag@example.com")
	selfFlag.Attendees[1].Self = true
	selfFlag.Attendees[0].Self = false
	tentativeEvent := meeting("tentative-event", end, "tentev@example.com")
	tentativeEvent.Status = calendar.StatusTentative
	cases := []tc{
		{"organizer", meeting("org", end, "org@example.com"), "org@example.com", true},
		{"accepted", invited("acc", end, calendar.ResponseAccepted, "acc@example.com"), "acc@example.com", true},
		{"tentative answer", invited("tent", end, calendar.ResponseTentative, "tent@example.com"), "tent@example.com", false},
		{"no answer", invited("na", end, calendar.ResponseNeedsAction, "na@example.com"), "na@example.com", false},
		{"user declined", invited("decl", end, calendar.ResponseDeclined, "decl@example.com"), "decl@example.com", false},
		{"not ended", meeting("future", t0.Add(time.Hour), "future@example.com"), "future@example.com", false},
		{"all-day", allDay, "allday@example.com", false},
		{"eleven people", big, "big@example.com", false},
		{"ten people and a room", ten, "ten@example.com", true},
		{"only other attendee declined", declinedOther, "declined@example.com", false},
		{"attendee flagged self", selfFlag, "selfflag@example.com", false},
		{"the user's own alias", meeting("alias", end, "me.alias@example.com"), "me.alias@example.com", false},
		{"tentative event status", tentativeEvent, "tentev@example.com", true},
		{"group address", meeting("group", end, "team@group.calendar.google.com"), "team@group.calendar.google.com", false},
		{"resource address", meeting("res", end, "c_1@resource.calendar.google.com"), "c_1@resource.calendar.google.com", false},
	}
	ids := map[string]uuid.UUID{}
	var evs []calendar.Event
	for _, c := range cases {
		ids[c.name] = e.contact(c.name, c.email).ID
		evs = append(evs, c.ev)
	}
	e.write("primary", calendar.WriteOptions{}, evs...)
	res := e.apply(t0)
	for _, c := range cases {
		got, _ := e.lastContact(ids[c.name])
		if moved := got != nil; moved != c.moves {
			t.Errorf("%s: last contact %v, want moved=%v", c.name, got, c.moves)
		} else if moved && !got.Equal(c.ev.End) {
			t.Errorf("%s: last contact %v, want the meeting's end %v", c.name, got, c.ev.End)
		}
	}
	if res.Moved != 4 || res.Matched != 4 {
		t.Errorf("result %+v, want 4 matched and moved", res)
	}
	// The meeting in the future counts once it has ended.
	res = e.apply(t0.Add(2 * time.Hour))
	if got, _ := e.lastContact(ids["not ended"]); !sameTime(got, t0.Add(time.Hour)) || res.Moved != 1 || res.Events != 1 {
		t.Errorf("after the future meeting ended: %v, %+v", got, res)
	}
}

func TestInteractionRulesConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{
		Attendance:   calendar.AttendTentative | calendar.AttendNoAnswer,
		CountAllDay:  true,
		MaxAttendees: 2,
	})
	end := t0.Add(-2 * time.Hour)
	allDay := meeting("allday", end, "allday@example.com")
	allDay.AllDay = true
	allDay.Start, allDay.End = time.Date(2026, 10, 18, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)
	allDay.OrganizerSelf, allDay.Attendees[0].Organizer, allDay.Attendees[0].ResponseStatus = false, false, calendar.ResponseTentative
	cases := []struct {
		ev    calendar.Event
		email string
		moves bool
	}{
		{meeting("org", end, "org@example.com"), "org@example.com", false}, // organizer no longer counts
		{invited("tent", end, calendar.ResponseTentative, "tent@example.com"), "tent@example.com", true},
		{invited("na", end, calendar.ResponseNeedsAction, "na@example.com"), "na@example.com", true},
		{invited("three", end, calendar.ResponseTentative, "three@example.com", "x@example.com"), "three@example.com", false},
		{allDay, "allday@example.com", true},
	}
	var evs []calendar.Event
	var ids []uuid.UUID
	for _, c := range cases {
		ids = append(ids, e.contact(c.email, c.email).ID)
		evs = append(evs, c.ev)
	}
	e.write("primary", calendar.WriteOptions{}, evs...)
	e.apply(t0)
	for i, c := range cases {
		if got, _ := e.lastContact(ids[i]); (got != nil) != c.moves {
			t.Errorf("%s: last contact %v, want moved=%v", c.ev.ID, got, c.moves)
		}
	}
}

// Syncing old history after new never moves a date back, and history
// synced after the watermark passed it is still applied.
func TestOutOfOrderHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ann := e.contact("Ann", "ann@example.com")
	bob := e.contact("Bob", "bob@example.com")
	recent := t0.Add(-24 * time.Hour)
	e.write("primary", calendar.WriteOptions{}, meeting("recent", recent, "ann@example.com"))
	e.apply(t0)
	got, v1 := e.lastContact(ann.ID)
	if !sameTime(got, recent) {
		t.Fatalf("after the recent meeting: %v", got)
	}
	// A year of older history arrives (a calendar added later).
	old := t0.Add(-200 * 24 * time.Hour)
	e.write("work", calendar.WriteOptions{}, meeting("old-ann", old, "ann@example.com"), meeting("old-bob", old, "bob@example.com"))
	res := e.apply(t0.Add(time.Minute))
	if got, v2 := e.lastContact(ann.ID); !sameTime(got, recent) || v2 != v1 {
		t.Errorf("ann moved back to %v (version %d -> %d)", got, v1, v2)
	}
	if got, _ := e.lastContact(bob.ID); !sameTime(got, old) {
		t.Errorf("bob's old meeting was not applied: %v", got)
	}
	if res.Moved != 1 {
		t.Errorf("%+v, want 1 moved", res)
	}
	// Nothing new: nothing applied, the watermark holds.
	if res := e.apply(t0.Add(2 * time.Minute)); res.Events != 0 || res.Moved != 0 {
		t.Errorf("an apply with nothing new: %+v", res)
	}
	// A date typed later than the meeting stays.
	typed := t0.Add(-time.Hour)
	if _, err := e.cs.MarkContacted(context.Background(), e.user, []uuid.UUID{bob.ID}, typed); err != nil {
		t.Fatal(err)
	}
	e.write("primary", calendar.WriteOptions{}, meeting("bob-earlier", t0.Add(-3*time.Hour), "bob@example.com"))
	e.apply(t0.Add(3 * time.Minute))
	if got, _ := e.lastContact(bob.ID); !sameTime(got, typed) {
		t.Errorf("bob's typed date replaced by %v", got)
	}
}

// An attendee who appears under a contact's secondary address, in other
// case, is that contact.
func TestSecondaryEmailOtherCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	c := e.contact("Carol", "carol@home.example", "Carol.Work@Corp.Example")
	end := t0.Add(-time.Hour)
	e.write("primary", calendar.WriteOptions{}, meeting("m", end, "CAROL.WORK@corp.example"))
	res := e.apply(t0)
	if got, v := e.lastContact(c.ID); !sameTime(got, end) || v != c.Version+1 {
		t.Errorf("last contact %v version %d, want %v version %d", got, v, end, c.Version+1)
	}
	if res.Matched != 1 {
		t.Errorf("%+v", res)
	}
}

// The same meeting in two calendars is one interaction.
func TestSameMeetingInTwoCalendars(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	c := e.contact("Dan", "dan@example.com")
	end := t0.Add(-time.Hour)
	m1 := meeting("id-in-primary", end, "dan@example.com")
	m2 := meeting("id-in-team", end, "dan@example.com")
	m1.ICalUID, m2.ICalUID = "shared@google.com", "shared@google.com"
	e.write("primary", calendar.WriteOptions{}, m1)
	e.write("team", calendar.WriteOptions{}, m2)
	res := e.apply(t0)
	if res.Events != 2 || res.Meetings != 1 || res.Matched != 1 || res.Moved != 1 {
		t.Errorf("%+v, want 2 events, 1 meeting, 1 contact moved", res)
	}
	if _, v := e.lastContact(c.ID); v != c.Version+1 {
		t.Errorf("version %d, want one bump from %d", v, c.Version)
	}
	page, err := e.store.UnmatchedAttendees(context.Background(), e.user, calendar.UnmatchedOptions{})
	if err != nil || len(page.Attendees) != 0 {
		t.Errorf("unmatched %+v, %v", page, err)
	}
}

// A cancelled instance of a recurring meeting is not contact, and
// cancelling a meeting already applied does not move the date back.
func TestCancelledRecurringInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	c := e.contact("Eve", "eve@example.com")
	week := 7 * 24 * time.Hour
	var series []calendar.Event
	for i := range 3 {
		ev := meeting(fmt.Sprintf("weekly_%d", i), t0.Add(time.Duration(i-2)*week-time.Hour), "eve@example.com")
		ev.RecurringEventID, ev.ICalUID = "weekly", "weekly@google.com"
		series = append(series, ev)
	}
	e.write("primary", calendar.WriteOptions{}, series...)
	// The last instance is cancelled before interactions are applied.
	e.write("primary", calendar.WriteOptions{}, calendar.Event{ID: "weekly_2", RecurringEventID: "weekly", Status: calendar.StatusCancelled})
	res := e.apply(t0)
	if got, _ := e.lastContact(c.ID); !sameTime(got, series[1].End) {
		t.Errorf("last contact %v, want the second instance's end %v", got, series[1].End)
	}
	if res.Meetings != 2 {
		t.Errorf("%+v: want 2 meetings (instances of one series are distinct meetings)", res)
	}
	// Cancelling the applied instance leaves the date.
	e.write("primary", calendar.WriteOptions{}, calendar.Event{ID: "weekly_1", RecurringEventID: "weekly", Status: calendar.StatusCancelled})
	e.apply(t0.Add(time.Minute))
	if got, _ := e.lastContact(c.ID); !sameTime(got, series[1].End) {
		t.Errorf("after cancelling: %v", got)
	}
}

// The primary calendar's owner address (stored by the sync) is the user.
func TestCalendarOwnerIsTheUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	me := e.contact("Me", "owner@example.com")
	e.write("owner@example.com", calendar.WriteOptions{}, meeting("m", t0.Add(-time.Hour), "owner@example.com"))
	if _, err := e.db.Exec(`UPDATE kith.calendars SET owner_email = 'owner@example.com', is_primary = true WHERE user_id = $1`, e.user); err != nil {
		t.Fatal(err)
	}
	if res := e.apply(t0); res.Matched != 0 {
		t.Errorf("the user's own address matched: %+v", res)
	}
	if got, _ := e.lastContact(me.ID); got != nil {
		t.Errorf("moved to %v", got)
	}
}

// Other users' events and contacts are never touched.
func TestInteractionsStayWithTheUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	other := newEnvOn(t, e.db, calendar.Rules{})
	mine := e.contact("Fay", "fay@example.com")
	theirs := other.contact("Fay", "fay@example.com")
	other.write("primary", calendar.WriteOptions{}, meeting("m", t0.Add(-time.Hour), "fay@example.com"))
	if res := e.apply(t0); res.Events != 0 || res.Moved != 0 {
		t.Errorf("applied another user's events: %+v", res)
	}
	if got, _ := e.lastContact(mine.ID); got != nil {
		t.Errorf("moved by another user's meeting: %v", got)
	}
	other.apply(t0)
	if got, _ := other.lastContact(theirs.ID); got == nil {
		t.Error("the other user's contact did not move")
	}
}

func TestUnmatchedAttendees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, calendar.Rules{})
	e.contact("Known", "known@example.com")
	end := t0.Add(-time.Hour)
	var evs []calendar.Event
	// x0 met in 5 meetings, x1 in 4, ..., x4 in 1; known in all; a
	// declined invitee, a large meeting and a future one do not count.
	for i := range 5 {
		var who []string
		for j := i; j < 5; j++ {
			who = append(who, fmt.Sprintf("x%d@example.com", 4-j))
		}
		ev := meeting(fmt.Sprintf("m%d", i), end.Add(-time.Duration(i)*time.Hour), append(who, "known@example.com")...)
		ev.Attendees[1].DisplayName = "Person"
		evs = append(evs, ev)
	}
	evs[0].Attendees = append(evs[0].Attendees, calendar.Attendee{Email: "nope@example.com", ResponseStatus: calendar.ResponseDeclined})
	evs = append(evs, meeting("future", t0.Add(time.Hour), "later@example.com"))
	e.write("primary", calendar.WriteOptions{}, evs...)
	var got []string
	opts := calendar.UnmatchedOptions{Limit: 2}
	pages := 0
	for {
		page, err := e.store.UnmatchedAttendees(ctx, e.user, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.Attendees {
			got = append(got, fmt.Sprintf("%s:%d", a.Email, a.Meetings))
		}
		if page.NextPageToken == "" {
			break
		}
		opts.PageToken = page.NextPageToken
	}
	want := "x0@example.com:5,x1@example.com:4,x2@example.com:3,x3@example.com:2,x4@example.com:1"
	if strings.Join(got, ",") != want || pages != 3 {
		t.Errorf("got %s in %d pages, want %s in 3", strings.Join(got, ","), pages, want)
	}
	// Another user's token is refused.
	other := newEnvOn(t, e.db, calendar.Rules{})
	if _, err := other.store.UnmatchedAttendees(ctx, other.user, opts); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("another user's token: %v", err)
	}
	if _, err := e.store.UnmatchedAttendees(ctx, e.user, calendar.UnmatchedOptions{PageToken: "garbage"}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("garbage token: %v", err)
	}
	if _, err := e.store.UnmatchedAttendees(ctx, e.user, calendar.UnmatchedOptions{Limit: -1}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("negative limit: %v", err)
	}
	page, err := other.store.UnmatchedAttendees(ctx, other.user, calendar.UnmatchedOptions{})
	if err != nil || page.Attendees == nil || len(page.Attendees) != 0 {
		t.Errorf("empty list: %#v, %v", page, err)
	}
}

func TestApplyInteractionsRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, calendar.Rules{})
	ctx := context.Background()
	if _, err := e.store.ApplyInteractions(ctx, uuid.Nil, t0); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("uuid.Nil: %v", err)
	}
	if _, err := e.store.ApplyInteractions(ctx, e.user, time.Time{}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("zero now: %v", err)
	}
	const ahead = "calendar: invalid: now 2026-10-22T12:00:00Z: later than the clock plus 1 day"
	if _, err := e.store.ApplyInteractions(ctx, e.user, t0.Add(48*time.Hour)); !errors.Is(err, calendar.ErrInvalid) || err.Error() != ahead {
		t.Errorf("now far ahead of the clock: %v; want %q", err, ahead)
	}
	hookErr := errors.New("directory down")
	bad, err := calendar.NewStore(e.db, calendar.StoreConfig{Rules: calendar.Rules{
		SelfEmails: func(context.Context, uuid.UUID) ([]string, error) { return nil, hookErr },
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.ApplyInteractions(ctx, e.user, time.Now()); !errors.Is(err, hookErr) {
		t.Errorf("hook error: %v", err)
	}
}

func TestNewStoreRefuses(t *testing.T) {
	t.Parallel()
	db := kithtestDB(t)
	for name, cfg := range map[string]calendar.StoreConfig{
		"schema":        {Schema: "Bad-Name"},
		"max attendees": {Rules: calendar.Rules{MaxAttendees: -1}},
		"too many":      {Rules: calendar.Rules{MaxAttendees: calendar.MaxMaxAttendees + 1}},
		"attendance":    {Rules: calendar.Rules{Attendance: 64}},
	} {
		if _, err := calendar.NewStore(db, cfg); !errors.Is(err, calendar.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := calendar.NewStore(nil, calendar.StoreConfig{}); !errors.Is(err, calendar.ErrInvalid) {
		t.Errorf("nil handle: %v", err)
	}
}
