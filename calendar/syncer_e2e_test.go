package calendar_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	gcal "google.golang.org/api/calendar/v3"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/googlefake"
)

// calendarsOf returns the account's listed calendar IDs by access role.
func calendarsOf(t *testing.T, e *syncEnv) map[string]string {
	t.Helper()
	listed, err := e.syncer.Calendars(context.Background(), e.user)
	if err != nil {
		t.Fatal(err)
	}
	byRole := map[string]string{}
	for _, c := range listed {
		byRole[c.AccessRole] = c.ID
	}
	return byRole
}

// One meeting held in two calendars of the user (the user's primary
// calendar, where the user accepted, and a team calendar that organizes
// it), both synced through SyncUser: two stored events, one meeting, one
// interaction for the contact, and one meeting for the person met who is
// not a contact.
func TestSameMeetingInTwoCalendarsThroughTheSyncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{}, calendar.Config{
		Calendars: func(_ context.Context, _ uuid.UUID, listed []calendar.Calendar) ([]string, error) {
			var ids []string
			for _, c := range listed {
				if c.Primary || c.AccessRole == calendar.RoleWriter {
					ids = append(ids, c.ID)
				}
			}
			return ids, nil
		},
	})
	// A first sync lists the calendars.
	if _, err := e.syncer.SyncUser(ctx, e.user); err != nil {
		t.Fatal(err)
	}
	primary, team := e.acct.Email(), calendarsOf(t, e)[calendar.RoleWriter]
	if team == "" {
		t.Fatal("the fake lists no team calendar")
	}
	ada, err := e.cs.Create(ctx, e.user, contacts.Contact{Name: "Ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}

	end := anchor.Add(-3 * time.Hour)
	meeting := func(id string, organizer string, selfIsOrganizer bool, userResponse string) *gcal.Event {
		return &gcal.Event{
			Id: id, ICalUID: "design-review@google.com", Etag: `"1"`,
			Start:     &gcal.EventDateTime{DateTime: end.Add(-time.Hour).Format(time.RFC3339)},
			End:       &gcal.EventDateTime{DateTime: end.Format(time.RFC3339)},
			Organizer: &gcal.EventOrganizer{Email: organizer, Self: selfIsOrganizer},
			Attendees: []*gcal.EventAttendee{
				{Email: primary, Self: !selfIsOrganizer, ResponseStatus: userResponse},
				{Email: "Ada@Example.org", ResponseStatus: "accepted"},
				{Email: "grace@example.net", DisplayName: "Grace", ResponseStatus: "accepted"},
			},
		}
	}
	// The copy in the user's calendar (the user accepted), and the one in
	// the team calendar that organizes it (its own event ID there).
	e.acct.AddEvent(primary, meeting("review-in-primary", team, false, "accepted"))
	e.acct.AddEvent(team, meeting("review-in-team", team, true, "accepted"))

	rep, err := e.syncer.SyncUser(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Calendars) != 2 || !slices.ContainsFunc(rep.Calendars, func(r calendar.Report) bool { return r.CalendarID == primary }) ||
		!slices.ContainsFunc(rep.Calendars, func(r calendar.Report) bool { return r.CalendarID == team }) {
		t.Fatalf("synced %+v", rep.Calendars)
	}
	if rep.Duration <= 0 || rep.Duration < rep.Calendars[0].Duration {
		t.Errorf("SyncUser's duration %v, its first calendar's %v", rep.Duration, rep.Calendars[0].Duration)
	}
	if n := e.count(`SELECT count(*) FROM kith.calendar_events WHERE user_id = $1 AND ical_uid = 'design-review@google.com'`, e.user); n != 2 {
		t.Errorf("%d stored copies of the meeting, want 2 (one per calendar)", n)
	}
	in := rep.Interactions
	if in.Events != 2 || in.Meetings != 1 || in.Matched != 1 || in.Moved != 1 {
		t.Errorf("interactions %+v: want 2 events, 1 meeting, 1 contact matched and moved", in)
	}
	if got, _ := e.cs.Get(ctx, e.user, ada.ID); !sameTime(got.LastContactDate, end) {
		t.Errorf("Ada last contacted %v, want %v", got.LastContactDate, end)
	}
	page, err := e.syncer.UnmatchedAttendees(ctx, e.user, calendar.UnmatchedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Attendees) != 1 || page.Attendees[0].Email != "grace@example.net" || page.Attendees[0].Meetings != 1 {
		t.Errorf("unmatched %+v: want Grace, once", page.Attendees)
	}
}

// SyncUser gives Config.Calendars the listed calendars but the free/busy
// one, syncs what it returns in list order, and never syncs a free/busy
// calendar or an ID the list does not hold, even when the hook names
// them. A failing hook fails the run, its error kept in the chain.
func TestSyncUserSelectsThroughTheHook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSyncEnv(t, googlefake.AccountConfig{Events: 40}, calendar.Config{})
	if _, err := e.syncer.SyncUser(ctx, e.user); err != nil { // lists the calendars
		t.Fatal(err)
	}
	roles := calendarsOf(t, e)
	freeBusy := roles[calendar.RoleFreeBusyReader]
	if freeBusy == "" || roles[calendar.RoleWriter] == "" || roles[calendar.RoleReader] == "" {
		t.Fatalf("the fake's calendars: %v", roles)
	}
	var offered []calendar.Calendar
	hooked := newSyncEnvOn(t, e.db, e.srv, e.acct, e.user, calendar.Config{
		Calendars: func(_ context.Context, userID uuid.UUID, listed []calendar.Calendar) ([]string, error) {
			if userID != e.user {
				t.Errorf("hook called for %s", userID)
			}
			offered = listed
			// Reversed order, the free/busy calendar and a stranger's ID.
			return []string{"not-listed@example.com", freeBusy, roles[calendar.RoleReader], roles[calendar.RoleWriter]}, nil
		},
	})
	e.srv.ResetRequests()
	rep, err := hooked.syncer.SyncUser(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	if len(offered) != 3 || slices.ContainsFunc(offered, func(c calendar.Calendar) bool { return c.AccessRole == calendar.RoleFreeBusyReader }) {
		t.Errorf("the hook was offered %+v: want the three calendars but the free/busy one", offered)
	}
	var synced []string
	for _, c := range rep.Calendars {
		synced = append(synced, c.CalendarID)
	}
	var wantOrder []string
	for _, c := range offered {
		if c.AccessRole != calendar.RoleOwner {
			wantOrder = append(wantOrder, c.ID)
		}
	}
	if !slices.Equal(synced, wantOrder) {
		t.Errorf("synced %v, want %v (the hook's choice among the listed, in list order)", synced, wantOrder)
	}
	for _, r := range e.srv.Requests(e.user.String(), googlefake.Events) {
		if r.Calendar == freeBusy || r.Calendar == "not-listed@example.com" || r.Calendar == e.acct.Email() {
			t.Errorf("events.list of %s, which the hook did not choose or may not be synced", r.Calendar)
		}
	}
	if n := e.count(`SELECT count(*) FROM kith.calendar_events WHERE user_id = $1 AND calendar_id = $2`, e.user, freeBusy); n != 0 {
		t.Errorf("%d events of the free/busy calendar stored", n)
	}

	boom := errors.New("host's settings table is down")
	failing := newSyncEnvOn(t, e.db, e.srv, e.acct, e.user, calendar.Config{
		Calendars: func(context.Context, uuid.UUID, []calendar.Calendar) ([]string, error) { return nil, boom },
	})
	if _, err := failing.syncer.SyncUser(ctx, e.user); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "calendar: ") {
		t.Errorf("failing hook: %v", err)
	}
}
