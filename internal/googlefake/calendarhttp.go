package googlefake

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/calendar/v3"
)

// Parameters that may not be combined with syncToken (events.list).
var notWithSyncToken = []string{"timeMin", "timeMax", "updatedMin", "orderBy", "q", "iCalUID",
	"privateExtendedProperty", "sharedExtendedProperty"}

// Parameters the fake does not implement on full passes: rejected rather
// than ignored, so that a test cannot believe they worked.
var unsupportedEventParams = []string{"orderBy", "q", "iCalUID", "privateExtendedProperty", "sharedExtendedProperty"}

// updatedMinLimit is how far back updatedMin may reach before 410
// updatedMinTooLongAgo (the real limit is not documented).
const updatedMinLimit = 28 * 24 * time.Hour

func calBadRequest(w http.ResponseWriter, reason, message, param string) {
	writeCalendarError(w, 400, "global", reason, message, []string{"parameter", param})
}

func parseBool(q url.Values, key string) (val, set, ok bool) {
	switch q.Get(key) {
	case "":
		return false, false, true
	case "true":
		return true, true, true
	case "false":
		return false, true, true
	}
	return false, true, false
}

func parseTime(q url.Values, key string) (time.Time, bool) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// events serves GET /calendar/v3/calendars/{calendarId}/events.
func (s *Server) events(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	a := info.acct
	q := r.URL.Query()
	a.mu.RLock()
	c := a.cal.find(info.calendar)
	a.mu.RUnlock()
	if c == nil || c.deleted {
		writeCalendarError(w, 404, "global", "notFound", "Not Found", nil)
		return
	}
	if q.Get("syncToken") != "" {
		for _, k := range notWithSyncToken {
			if q.Has(k) {
				calBadRequest(w, "invalid", "Invalid combination of parameters: syncToken and "+k+".", k)
				return
			}
		}
		if q.Get("showDeleted") == "false" {
			calBadRequest(w, "invalid", "Invalid combination of parameters: syncToken and showDeleted=false.", "showDeleted")
			return
		}
	}
	for _, k := range unsupportedEventParams {
		if q.Has(k) {
			calBadRequest(w, "invalid", "googlefake: parameter "+k+" is not supported by the fake.", k)
			return
		}
	}
	single, _, ok1 := parseBool(q, "singleEvents")
	showDeleted, _, ok2 := parseBool(q, "showDeleted")
	_, _, ok3 := parseBool(q, "showHiddenInvitations")
	if !ok1 || !ok2 || !ok3 {
		calBadRequest(w, "invalidBoolean", "Invalid boolean value.", "singleEvents")
		return
	}
	if !single {
		calBadRequest(w, "invalid", "googlefake: only singleEvents=true is supported by the fake.", "singleEvents")
		return
	}
	size := 250
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			calBadRequest(w, "invalid", "Invalid value '"+v+"'. Values must be within the range: [1, 2500]", "maxResults")
			return
		}
		size = min(n, 2500)
	}
	maxAtt := 0
	if v := q.Get("maxAttendees"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			calBadRequest(w, "invalid", "Invalid value '"+v+"'. Values must be within the range: [1, 2147483647]", "maxAttendees")
			return
		}
		maxAtt = n
	}
	timeMin, okMin := parseTime(q, "timeMin")
	timeMax, okMax := parseTime(q, "timeMax")
	updatedMin, okUpd := parseTime(q, "updatedMin")
	if !okMin || !okMax || !okUpd {
		calBadRequest(w, "badRequest", "Bad Request", "timeMin")
		return
	}
	if !timeMin.IsZero() && !timeMax.IsZero() && !timeMax.After(timeMin) {
		writeCalendarError(w, 400, "calendar", "timeRangeEmpty", "The specified time range is empty.", []string{"parameter", "timeMax"})
		return
	}
	if !updatedMin.IsZero() && updatedMin.Before(s.nowFunc().Add(-updatedMinLimit)) {
		writeFault(w, UpdatedMinTooLongAgo(), info)
		return
	}
	eventTypes := map[string]bool{}
	for _, t := range q["eventTypes"] {
		eventTypes[t] = true
	}
	syncParams := hashString("events\x00" + q.Get("singleEvents") + "\x00" + q.Get("showDeleted") + "\x00" +
		strconv.Itoa(size) + "\x00" + strings.Join(q["eventTypes"], ",") + "\x00" + q.Get("maxAttendees") + "\x00" +
		q.Get("showHiddenInvitations") + "\x00" + q.Get("timeZone"))
	pageParams := hash64(syncParams, hashString(q.Get("timeMin")+"\x00"+q.Get("timeMax")+"\x00"+q.Get("updatedMin")))
	st, pt, ok := a.chainTokens(w, info, q, syncParams, pageParams, c.hash)
	if !ok {
		return
	}
	if st != nil {
		showDeleted = true
	}

	s.streamBody(w, info, func(enc *jw) {
		enc.open()
		enc.str("accessRole", c.accessRole)
		if c.accessRole != "freeBusyReader" {
			enc.list("defaultReminders", 1, false, func(int) { enc.reminder(&calendar.EventReminder{Method: "popup", Minutes: 10}) })
		}
		a.mu.RLock()
		snap := a.seq
		if pt != nil {
			snap = pt.snap
		}
		enc.str("etag", `"`+strconv.FormatUint(hash64(c.seed, uint64(snap), 0xe7a)%9e15+1e15, 10)+`"`)
		items := itemList{w: enc, key: "items"}
		emit := func(ev *calendar.Event) {
			if ev.Status == "cancelled" && !showDeleted || ev.Status != "cancelled" && len(eventTypes) > 0 && !eventTypes[ev.EventType] {
				return
			}
			if maxAtt > 0 && len(ev.Attendees) > maxAtt {
				cp := *ev
				cp.Attendees, cp.AttendeesOmitted = ev.Attendees[:maxAtt], true
				ev = &cp
			}
			items.event(ev)
		}
		var pos int
		more := false
		if st == nil {
			if pt != nil {
				pos = int(pt.pos)
			}
			for ; pos < c.total && items.n < size; pos++ {
				es := c.events[pos]
				if !timeMin.IsZero() || !timeMax.IsZero() {
					start, end, known := a.eventSpan(c, pos, es)
					if known && (!timeMin.IsZero() && !end.After(timeMin) || !timeMax.IsZero() && !start.Before(timeMax)) {
						continue
					}
				}
				ev := a.eventAt(c, pos, es)
				if !updatedMin.IsZero() {
					if u, err := time.Parse(time.RFC3339, ev.Updated); err == nil && u.Before(updatedMin) {
						continue
					}
				}
				emit(ev)
			}
			more = pos < c.total
		} else {
			pos = sort.Search(len(c.log), func(j int) bool { return c.log[j].seq > st.from })
			if pt != nil {
				pos = int(pt.pos)
			}
			for ; pos < len(c.log) && c.log[pos].seq <= snap && items.n < size; pos++ {
				e := c.log[pos]
				if es := c.events[e.idx]; es.seq == e.seq {
					emit(a.eventAt(c, e.idx, es))
				}
			}
			more = pos < len(c.log) && c.log[pos].seq <= snap
		}
		updated := rfc3339ms(a.cal.anchor)
		if n := len(c.log); n > 0 {
			if es := c.events[c.log[n-1].idx]; es != nil && es.updated.After(a.cal.anchor) {
				updated = rfc3339ms(es.updated)
			}
		}
		a.mu.RUnlock()
		items.end()

		from := int64(-1)
		if st != nil {
			from = st.from
		}
		var next, sync string
		if more {
			next = a.pageToken(info.ep, pageParams, c.hash, from, snap, int64(pos), info.page)
		} else {
			sync = a.syncToken(info.ep, syncParams, c.hash, snap)
		}
		enc.str("kind", "calendar#events")
		enc.str("nextPageToken", next)
		enc.str("nextSyncToken", sync)
		enc.str("summary", c.summary)
		enc.str("timeZone", c.timeZone)
		enc.str("updated", updated)
		enc.close()
		enc.b = append(enc.b, '\n')
	})
}

// eventSpan returns the start and end of event k without generating it
// (all-day events: midnights in the calendar's zone).
func (a *Account) eventSpan(c *calendarState, k int, es *eventState) (start, end time.Time, known bool) {
	if es == nil || es.ev == nil {
		t := a.cal.times(c, k)
		return t.start, t.end, true
	}
	ev := es.ev
	if ev.Start == nil || ev.End == nil {
		return time.Time{}, time.Time{}, false
	}
	parse := func(d *calendar.EventDateTime) (time.Time, bool) {
		if d.DateTime != "" {
			t, err := time.Parse(time.RFC3339, d.DateTime)
			return t, err == nil
		}
		t, err := time.ParseInLocation("2006-01-02", d.Date, c.loc)
		return t, err == nil
	}
	s, ok1 := parse(ev.Start)
	e, ok2 := parse(ev.End)
	return s, e, ok1 && ok2
}

// calendarList serves GET /calendar/v3/users/me/calendarList.
func (s *Server) calendarList(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	a := info.acct
	q := r.URL.Query()
	showDeleted, _, ok1 := parseBool(q, "showDeleted")
	showHidden, _, ok2 := parseBool(q, "showHidden")
	if !ok1 || !ok2 {
		calBadRequest(w, "invalidBoolean", "Invalid boolean value.", "showDeleted")
		return
	}
	if q.Get("syncToken") != "" {
		for _, k := range []string{"minAccessRole", "showOwnOrganizationOnly"} {
			if q.Has(k) {
				calBadRequest(w, "invalid", "Invalid combination of parameters: syncToken and "+k+".", k)
				return
			}
		}
		for _, k := range []string{"showDeleted", "showHidden"} {
			if q.Get(k) == "false" {
				calBadRequest(w, "invalid", "Invalid combination of parameters: syncToken and "+k+"=false.", k)
				return
			}
		}
		showDeleted, showHidden = true, true
	}
	minRole := 0
	if v := q.Get("minAccessRole"); v != "" {
		if minRole = roleRank(v); minRole < 0 {
			calBadRequest(w, "invalid", "Invalid value for minAccessRole: "+v, "minAccessRole")
			return
		}
	}
	size := 100
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			calBadRequest(w, "invalid", "Invalid value '"+v+"'. Values must be within the range: [1, 250]", "maxResults")
			return
		}
		size = min(n, 250)
	}
	syncParams := hashString("calendarList\x00" + strconv.Itoa(size))
	pageParams := hash64(syncParams, hashString(q.Get("showDeleted")+"\x00"+q.Get("showHidden")+"\x00"+q.Get("minAccessRole")))
	st, pt, ok := a.chainTokens(w, info, q, syncParams, pageParams, 0)
	if !ok {
		return
	}
	resp := &calendar.CalendarList{Kind: "calendar#calendarList", Items: []*calendar.CalendarListEntry{}}
	a.mu.RLock()
	snap := a.seq
	if pt != nil {
		snap = pt.snap
	}
	pos := 0
	if pt != nil {
		pos = int(pt.pos)
	}
	emit := func(c *calendarState) bool {
		if st != nil {
			return c.seq > st.from && c.seq <= snap
		}
		return (showDeleted || !c.deleted) && (showHidden || !c.hidden) && roleRank(c.accessRole) >= minRole
	}
	for ; pos < len(a.cal.cals) && len(resp.Items) < size; pos++ {
		c := a.cal.cals[pos]
		if !emit(c) {
			continue
		}
		etag := `"` + strconv.FormatUint(hash64(c.seed, uint64(c.version), 0xce)%9e15+1e15, 10) + `"`
		if c.deleted {
			resp.Items = append(resp.Items, &calendar.CalendarListEntry{Kind: "calendar#calendarListEntry", Etag: etag, Id: c.id, Deleted: true})
			continue
		}
		e := &calendar.CalendarListEntry{
			Kind: "calendar#calendarListEntry", Etag: etag, Id: c.id, Summary: c.summary, TimeZone: c.timeZone,
			ColorId: strconv.Itoa(1 + pos%24), BackgroundColor: "#9fe1e7", ForegroundColor: "#000000",
			AccessRole: c.accessRole, Selected: c.kind != calColleague, Primary: c.kind == calPrimary,
			ConferenceProperties: &calendar.ConferenceProperties{AllowedConferenceSolutionTypes: []string{"hangoutsMeet"}},
		}
		if c.accessRole != "freeBusyReader" {
			e.DefaultReminders = []*calendar.EventReminder{{Method: "popup", Minutes: 10}}
		}
		if c.kind == calPrimary {
			e.NotificationSettings = &calendar.CalendarListEntryNotificationSettings{Notifications: []*calendar.CalendarNotification{
				{Type: "eventCreation", Method: "email"}, {Type: "eventChange", Method: "email"}}}
		}
		resp.Items = append(resp.Items, e)
	}
	for ; pos < len(a.cal.cals); pos++ {
		if emit(a.cal.cals[pos]) {
			break
		}
	}
	more := pos < len(a.cal.cals)
	resp.Etag = `"` + strconv.FormatUint(hash64(a.seed, uint64(snap), 0xc1)%9e15+1e15, 10) + `"`
	a.mu.RUnlock()
	from := int64(-1)
	if st != nil {
		from = st.from
	}
	if more {
		resp.NextPageToken = a.pageToken(info.ep, pageParams, 0, from, snap, int64(pos), info.page)
	} else {
		resp.NextSyncToken = a.syncToken(info.ep, syncParams, 0, snap)
	}
	s.writeJSON(w, info, resp)
}
