package googlefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/internal/googlefake"
)

var anchor = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func calendarService(t testing.TB, srv *googlefake.Server, a *googlefake.Account) *calendar.Service {
	t.Helper()
	svc, err := calendar.NewService(context.Background(), append(srv.CalendarOptions(), option.WithTokenSource(a.TokenSource()))...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

type evPass struct {
	pages     int
	items     []*calendar.Event
	syncToken string
	tokens    []string
}

func listEvents(t testing.TB, svc *calendar.Service, cal string, size int64, syncToken string, timeMin time.Time) (evPass, error) {
	t.Helper()
	var p evPass
	pageToken := ""
	for {
		call := svc.Events.List(cal).SingleEvents(true).ShowDeleted(true).MaxResults(size)
		if syncToken != "" {
			call = call.SyncToken(syncToken)
		} else if !timeMin.IsZero() {
			call = call.TimeMin(timeMin.Format(time.RFC3339))
		}
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		resp, err := call.Do()
		if err != nil {
			return p, err
		}
		p.pages++
		p.items = append(p.items, resp.Items...)
		p.tokens = append(p.tokens, resp.NextSyncToken)
		if resp.NextPageToken == "" {
			p.syncToken = resp.NextSyncToken
			return p, nil
		}
		if resp.NextSyncToken != "" {
			t.Fatal("nextSyncToken on a page that has a nextPageToken")
		}
		pageToken = resp.NextPageToken
	}
}

func mustEvents(t testing.TB, svc *calendar.Service, cal string, size int64, syncToken string, timeMin time.Time) evPass {
	t.Helper()
	p, err := listEvents(t, svc, cal, size, syncToken, timeMin)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newCalendarAccount(t testing.TB, events int) (*googlefake.Server, *googlefake.Account, *calendar.Service) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 500, Events: events, Anchor: anchor})
	return srv, a, calendarService(t, srv, a)
}

func TestEventsFullPass(t *testing.T) {
	srv, a, svc := newCalendarAccount(t, 1500)
	timeMin := anchor.AddDate(0, 0, -365)
	p := mustEvents(t, svc, "primary", 1000, "", timeMin)
	if p.pages < 2 || p.syncToken == "" {
		t.Fatalf("%d pages, token %q", p.pages, p.syncToken)
	}
	peopleEmails := map[string]bool{}
	for i := range 500 {
		if x := a.Person(i); x != nil {
			for _, e := range x.EmailAddresses {
				peopleEmails[strings.ToLower(e.Value)] = true
			}
		}
	}
	var recurring, cancelledInst, allDay, offsets, large, rooms, groups, strangers, otherCase, known int
	statuses := map[string]int{}
	ids := map[string]bool{}
	for _, ev := range p.items {
		if ids[ev.Id] {
			t.Fatalf("event %s served twice", ev.Id)
		}
		ids[ev.Id] = true
		if ev.Status == "cancelled" {
			if ev.Summary != "" || ev.Start != nil || ev.Attendees != nil {
				t.Fatalf("cancelled event carries more than its ids: %+v", ev)
			}
			if ev.RecurringEventId != "" && ev.OriginalStartTime != nil {
				cancelledInst++
			}
			continue
		}
		var end time.Time
		if ev.End.Date != "" {
			allDay++
			s, _ := time.Parse("2006-01-02", ev.Start.Date)
			e, _ := time.Parse("2006-01-02", ev.End.Date)
			if !e.After(s) || ev.Start.DateTime != "" {
				t.Fatalf("all-day event %s: %+v %+v", ev.Id, ev.Start, ev.End)
			}
			end = e.Add(-2 * time.Hour) // midnight in the calendar's zone, roughly
		} else {
			s, err1 := time.Parse(time.RFC3339, ev.Start.DateTime)
			e, err2 := time.Parse(time.RFC3339, ev.End.DateTime)
			if err1 != nil || err2 != nil || !e.After(s) {
				t.Fatalf("timed event %s: %+v %+v", ev.Id, ev.Start, ev.End)
			}
			if !strings.HasSuffix(ev.Start.DateTime, "Z") {
				offsets++
			}
			end = e
		}
		if !end.After(timeMin.Add(-24 * time.Hour)) {
			t.Fatalf("event %s ends %v, before timeMin %v", ev.Id, end, timeMin)
		}
		if ev.RecurringEventId != "" {
			recurring++
			if ev.OriginalStartTime == nil || !strings.HasPrefix(ev.Id, ev.RecurringEventId+"_") {
				t.Fatalf("instance %s: %+v", ev.Id, ev)
			}
		}
		if len(ev.Attendees) >= 200 {
			large++
		}
		self := 0
		for _, at := range ev.Attendees {
			statuses[at.ResponseStatus]++
			switch {
			case at.Self:
				self++
				if at.Email != a.Email() {
					t.Fatalf("self attendee %s, want %s", at.Email, a.Email())
				}
			case at.Resource:
				rooms++
				if !strings.HasSuffix(at.Email, "@resource.calendar.google.com") {
					t.Fatal(at.Email)
				}
			case strings.HasSuffix(at.Email, "@group.calendar.google.com"):
				groups++
			case peopleEmails[strings.ToLower(at.Email)]:
				known++
				if at.Email != strings.ToLower(at.Email) {
					otherCase++
				}
			default:
				strangers++
			}
		}
		if len(ev.Attendees) > 0 && (self != 1 || ev.Organizer == nil || ev.Organizer.Email == "") {
			t.Fatalf("event %s: %d self attendees, organizer %+v", ev.Id, self, ev.Organizer)
		}
	}
	for name, n := range map[string]int{"recurring": recurring, "cancelled instances": cancelledInst, "all-day": allDay,
		"offset times": offsets, "200-attendee": large, "room": rooms, "group": groups, "stranger": strangers,
		"other-case": otherCase, "known": known, "accepted": statuses["accepted"], "declined": statuses["declined"],
		"tentative": statuses["tentative"], "needsAction": statuses["needsAction"]} {
		if n == 0 {
			t.Errorf("no %s event/attendee among %d", name, len(p.items))
		}
	}
	// Without showDeleted, no cancelled items; without timeMin, every instance.
	n := 0
	err := svc.Events.List(a.Email()).SingleEvents(true).MaxResults(2500).Pages(context.Background(), func(e *calendar.Events) error {
		for _, ev := range e.Items {
			if ev.Status == "cancelled" {
				return errors.New("cancelled event without showDeleted")
			}
			n++
		}
		return nil
	})
	if err != nil || n >= 1500 || n < 1250 {
		t.Fatalf("all live instances: %d, %v", n, err)
	}
	// Default maxResults is 250; above 2500 is capped.
	r, err := svc.Events.List("primary").SingleEvents(true).Do()
	if err != nil || len(r.Items) != 250 {
		t.Fatalf("default page: %d %v", len(r.Items), err)
	}
	r, err = svc.Events.List("primary").SingleEvents(true).ShowDeleted(true).MaxResults(5000).Do()
	if err != nil || len(r.Items) != 1500 || r.NextPageToken != "" {
		t.Fatalf("capped page: %d %v", len(r.Items), err)
	}
	if got := srv.Requests("u1", googlefake.Events); got[0].Calendar != "primary" || got[0].Query.Get("timeMin") == "" {
		t.Fatalf("recorded %+v", got[0])
	}
}

func TestEventsIncremental(t *testing.T) {
	_, a, svc := newCalendarAccount(t, 800)
	cal := a.Email()
	full := mustEvents(t, svc, cal, 250, "", time.Time{})
	if len(full.items) != 800 {
		t.Fatalf("full pass %d items", len(full.items))
	}
	if p := mustEvents(t, svc, cal, 250, full.syncToken, time.Time{}); len(p.items) != 0 || p.syncToken == "" {
		t.Fatalf("empty incremental: %d", len(p.items))
	}
	var single, inst int = -1, -1
	for k := range 800 {
		ev := a.Event(cal, k)
		if ev.Status == "cancelled" {
			continue
		}
		if ev.RecurringEventId == "" && single < 0 && ev.Attendees != nil {
			single = k
		}
		if ev.RecurringEventId != "" && inst < 0 {
			inst = k
		}
	}
	oldEtag := a.Event(cal, single).Etag
	a.ChangeEvent(cal, single, func(ev *calendar.Event) { ev.Summary = "Moved"; ev.Attendees = ev.Attendees[:1] })
	a.CancelEvent(cal, inst)
	added := a.AddEvent(cal, &calendar.Event{Summary: "New", Start: &calendar.EventDateTime{Date: "2026-12-01"}, End: &calendar.EventDateTime{Date: "2026-12-02"}})
	touched := (single + 1) % 800
	for a.Event(cal, touched).Status == "cancelled" || touched == inst {
		touched++
	}
	a.ChangeEvent(cal, touched, nil)
	a.CancelEvent(cal, touched) // changed then cancelled: reported once, cancelled

	inc := mustEvents(t, svc, cal, 250, full.syncToken, time.Time{})
	byID := map[string]*calendar.Event{}
	for _, ev := range inc.items {
		byID[ev.Id] = ev
	}
	if len(inc.items) != 4 {
		t.Fatalf("incremental: %d items", len(inc.items))
	}
	if ev := byID[a.EventID(cal, single)]; ev == nil || ev.Summary != "Moved" || ev.Etag == oldEtag || len(ev.Attendees) != 1 {
		t.Fatalf("changed event: %+v", ev)
	}
	ci := byID[a.EventID(cal, inst)]
	if ci == nil || ci.Status != "cancelled" || ci.RecurringEventId == "" || ci.OriginalStartTime == nil || ci.Summary != "" {
		t.Fatalf("cancelled instance: %+v", ci)
	}
	raw, _ := json.Marshal(ci)
	var keys map[string]any
	_ = json.Unmarshal(raw, &keys)
	for k := range keys {
		if k != "id" && k != "status" && k != "recurringEventId" && k != "originalStartTime" {
			t.Fatalf("cancelled instance carries %s: %s", k, raw)
		}
	}
	if ev := byID[a.EventID(cal, added)]; ev == nil || ev.Summary != "New" || ev.Status != "confirmed" {
		t.Fatalf("added event: %+v", ev)
	}
	if ev := byID[a.EventID(cal, touched)]; ev == nil || ev.Status != "cancelled" || ev.Start != nil {
		t.Fatalf("cancelled event: %+v", ev)
	}
	// Full pass after: cancelled ones still listed with showDeleted, as cancelled.
	again := mustEvents(t, svc, cal, 2500, "", time.Time{})
	if len(again.items) != 801 {
		t.Fatalf("full pass after changes: %d", len(again.items))
	}
	if p := mustEvents(t, svc, cal, 250, inc.syncToken, time.Time{}); len(p.items) != 0 {
		t.Fatalf("second incremental: %d", len(p.items))
	}
	// Another calendar's token is not valid here.
	_, err := listEvents(t, svc, a.CalendarIDs()[1], 250, inc.syncToken, time.Time{})
	apiError(t, err, 410)
}

func TestEventsSyncTokenRules(t *testing.T) {
	srv, a, svc := newCalendarAccount(t, 600)
	full := mustEvents(t, svc, "primary", 250, "", anchor.AddDate(-1, 0, 0))
	tok := full.syncToken
	base := func() *calendar.EventsListCall {
		return svc.Events.List("primary").SingleEvents(true).ShowDeleted(true).MaxResults(250).SyncToken(tok)
	}
	for name, call := range map[string]*calendar.EventsListCall{
		"timeMin":                 base().TimeMin(anchor.Format(time.RFC3339)),
		"timeMax":                 base().TimeMax(anchor.Format(time.RFC3339)),
		"updatedMin":              base().UpdatedMin(anchor.Format(time.RFC3339)),
		"orderBy":                 base().OrderBy("updated"),
		"q":                       base().Q("x"),
		"iCalUID":                 base().ICalUID("x"),
		"privateExtendedProperty": base().PrivateExtendedProperty("a=b"),
		"sharedExtendedProperty":  base().SharedExtendedProperty("a=b"),
		"showDeleted=false":       svc.Events.List("primary").SingleEvents(true).ShowDeleted(false).MaxResults(250).SyncToken(tok),
		"changed maxResults":      svc.Events.List("primary").SingleEvents(true).ShowDeleted(true).MaxResults(100).SyncToken(tok),
	} {
		_, err := call.Do()
		var ge *googleapi.Error
		if !errors.As(err, &ge) || ge.Code != 400 || len(ge.Errors) != 1 {
			t.Errorf("%s with syncToken: %v", name, err)
		}
	}
	// Page token with other parameters.
	r1, err := svc.Events.List("primary").SingleEvents(true).ShowDeleted(true).MaxResults(100).Do()
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Events.List("primary").SingleEvents(true).MaxResults(100).PageToken(r1.NextPageToken).Do()
	apiError(t, err, 400)

	a.ExpireTokens()
	_, err = base().Do()
	ge := apiError(t, err, 410)
	if ge.Message != "Sync token is no longer valid, a full sync is required." || len(ge.Errors) != 1 ||
		ge.Errors[0].Reason != "fullSyncRequired" || ge.Details != nil ||
		ge.Error() != "googleapi: Error 410: Sync token is no longer valid, a full sync is required., fullSyncRequired" {
		t.Fatalf("410: %#v", ge)
	}
	_, err = svc.Events.List("primary").SingleEvents(true).SyncToken("bogus").Do()
	apiError(t, err, 410)
	_, err = svc.Events.List("primary").SingleEvents(true).UpdatedMin(anchor.AddDate(-1, 0, 0).Format(time.RFC3339)).Do()
	if ge := apiError(t, err, 410); ge.Errors[0].Reason != "updatedMinTooLongAgo" {
		t.Fatalf("updatedMin: %#v", ge)
	}
	_, err = svc.Events.List("nobody@example.com").SingleEvents(true).Do()
	if ge := apiError(t, err, 404); ge.Errors[0].Reason != "notFound" {
		t.Fatal(ge)
	}
	_ = srv
}

func TestCalendarFaults(t *testing.T) {
	srv, a, svc := newCalendarAccount(t, 100)
	cases := []struct {
		fault  googlefake.Fault
		code   int
		reason string
		msg    string
	}{
		{googlefake.RateLimitExceeded403(), 403, "rateLimitExceeded", "Rate Limit Exceeded"},
		{googlefake.UserRateLimitExceeded403(), 403, "userRateLimitExceeded", "User Rate Limit Exceeded"},
		{googlefake.QuotaExceeded403(), 403, "quotaExceeded", "Calendar usage limits exceeded."},
		{googlefake.RateLimited(2 * time.Second), 429, "rateLimitExceeded", "Rate Limit Exceeded"},
		{googlefake.BackendError(), 500, "backendError", "Backend Error"},
		{googlefake.Unavailable(), 503, "backendError", "Backend Error"},
		{googlefake.Unauthorized(), 401, "authError", "Invalid Credentials"},
		{googlefake.ExpiredToken(), 410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."},
	}
	for _, c := range cases {
		srv.Script(googlefake.Rule{Account: "u1", Endpoint: googlefake.Events, Calendar: "primary", Fault: c.fault})
		_, err := svc.Events.List("primary").SingleEvents(true).Do()
		ge := apiError(t, err, c.code)
		if len(ge.Errors) != 1 || ge.Errors[0].Reason != c.reason || ge.Message != c.msg {
			t.Errorf("%d %s: %#v", c.code, c.reason, ge)
		}
		if c.code == 429 && ge.Header.Get("Retry-After") != "2" {
			t.Error("Retry-After missing")
		}
	}
	// The calendar filter: another calendar is not affected.
	srv.Script(googlefake.Rule{Endpoint: googlefake.Events, Calendar: a.CalendarIDs()[1], Fault: googlefake.BackendError()})
	if _, err := svc.Events.List("primary").SingleEvents(true).Do(); err != nil {
		t.Fatal(err)
	}
	// Unknown token.
	bad := googlefake.New(googlefake.Config{})
	defer bad.Close()
	_, err := calendarService(t, bad, a).Events.List("primary").SingleEvents(true).Do()
	if ge := apiError(t, err, 401); ge.Errors[0].Reason != "authError" {
		t.Fatal(ge)
	}
}

func TestCalendarList(t *testing.T) {
	_, a, svc := newCalendarAccount(t, 10)
	list := func(size int64, tok string) ([]*calendar.CalendarListEntry, string, error) {
		var out []*calendar.CalendarListEntry
		call := svc.CalendarList.List().MaxResults(size).ShowDeleted(true).ShowHidden(true)
		if tok != "" {
			call = call.SyncToken(tok)
		}
		next := ""
		err := call.Pages(context.Background(), func(l *calendar.CalendarList) error {
			out = append(out, l.Items...)
			next = l.NextSyncToken
			return nil
		})
		return out, next, err
	}
	items, tok, err := list(2, "")
	if err != nil || len(items) != 4 || tok == "" {
		t.Fatalf("calendar list: %d, %q, %v", len(items), tok, err)
	}
	roles := map[string]string{}
	for _, e := range items {
		roles[e.Id] = e.AccessRole
	}
	if !items[0].Primary || items[0].Id != a.Email() || roles[items[3].Id] != "freeBusyReader" {
		t.Fatalf("entries: %+v", roles)
	}
	// Events of a free/busy calendar carry only times.
	r, err := svc.Events.List(items[3].Id).SingleEvents(true).Do()
	if err != nil || len(r.Items) == 0 || r.Items[0].Summary != "" || r.Items[0].Attendees != nil || r.AccessRole != "freeBusyReader" {
		t.Fatalf("free/busy events: %v", err)
	}
	a.AddCalendar("shared@example.com", "Shared", "reader", 50)
	a.RemoveCalendar(items[1].Id)
	a.ChangeCalendar(items[2].Id, "Feiertage", "")
	inc, tok2, err := list(2, tok)
	if err != nil || len(inc) != 3 {
		t.Fatalf("incremental list: %d %v", len(inc), err)
	}
	got := map[string]*calendar.CalendarListEntry{}
	for _, e := range inc {
		got[e.Id] = e
	}
	if !got[items[1].Id].Deleted || got[items[2].Id].Summary != "Feiertage" || got["shared@example.com"].AccessRole != "reader" {
		t.Fatalf("incremental entries: %+v", inc)
	}
	if _, err := svc.CalendarList.List().MaxResults(2).SyncToken(tok2).MinAccessRole("reader").Do(); err == nil {
		t.Fatal("minAccessRole with syncToken accepted")
	}
	l, err := svc.CalendarList.List().MinAccessRole("reader").Do()
	if err != nil || len(l.Items) != 3 {
		t.Fatalf("minAccessRole reader: %v", err)
	}
	a.ExpireTokens()
	_, _, err = list(2, tok2)
	apiError(t, err, 410)
	if n := a.EventCount("shared@example.com"); n != 50 {
		t.Fatalf("added calendar has %d events", n)
	}
}
