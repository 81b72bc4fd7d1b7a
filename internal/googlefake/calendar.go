package googlefake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // event time zones without depending on the host's zoneinfo

	"google.golang.org/api/calendar/v3"
)

// Access roles of calendarList entries, weakest first.
var accessRoles = []string{"freeBusyReader", "reader", "writer", "owner"}

func roleRank(r string) int {
	for k, x := range accessRoles {
		if x == r {
			return k
		}
	}
	return -1
}

type calKind int

const (
	calPrimary calKind = iota
	calTeam
	calHolidays
	calColleague
	calAdded
)

// calState is an account's calendar side: its calendars, each generated
// lazily like the people.
type calState struct {
	anchor   time.Time
	rangeDur time.Duration
	cals     []*calendarState
}

type calendarState struct {
	id         string
	summary    string
	accessRole string
	timeZone   string
	loc        *time.Location
	kind       calKind
	seed       uint64
	hash       uint64 // identifies the calendar in tokens
	n          int    // generated events: indexes [0, n)
	total      int    // generated + added
	events     map[int]*eventState
	log        []logEntry

	// calendarList entry state
	seq     int64
	version int
	deleted bool
	hidden  bool
}

type eventState struct {
	seq       int64
	version   int
	cancelled bool
	ev        *calendar.Event // full content, nil = generated
	updated   time.Time
}

func newCalState(a *Account, cfg AccountConfig, anchor time.Time) *calState {
	cs := &calState{anchor: anchor, rangeDur: cfg.CalendarRange}
	if cs.rangeDur <= 0 {
		cs.rangeDur = 2 * 365 * 24 * time.Hour
	}
	n := max(cfg.Events, 0)
	add := func(kind calKind, id, summary, role, tz string, events int) {
		c := &calendarState{id: id, summary: summary, accessRole: role, timeZone: tz, kind: kind,
			seed: hash64(a.seed, hashString(id), 0xca1), n: events, total: events, events: map[int]*eventState{}}
		c.loc, _ = time.LoadLocation(tz)
		c.hash = hash64(c.seed, 0x7)
		cs.cals = append(cs.cals, c)
	}
	add(calPrimary, a.email, a.email, "owner", "Europe/Berlin", n)
	add(calTeam, "c_"+strconv.FormatUint(hash64(a.seed, 0x7ea)&0xffffffffffff, 16)+"@group.calendar.google.com",
		"Team", "writer", "Europe/Berlin", n/10)
	add(calHolidays, "en.usa#holiday@group.v.calendar.google.com", "Holidays in United States", "reader", "America/New_York",
		int(cs.rangeDur/(24*time.Hour))/24)
	add(calColleague, "colleague."+strconv.FormatUint(hash64(a.seed, 0xc011)&0xffffff, 16)+"@example.com",
		"Colleague", "freeBusyReader", "America/New_York", n/10)
	return cs
}

func (cs *calState) find(id string) *calendarState {
	if id == "primary" {
		return cs.cals[0]
	}
	for _, c := range cs.cals {
		if c.id == id {
			return c
		}
	}
	return nil
}

// ---- calendar mutations and lookups ----

// CalendarIDs lists the IDs of the account's live calendars, primary
// (the account's email) first.
func (a *Account) CalendarIDs() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := []string{}
	for _, c := range a.cal.cals {
		if !c.deleted {
			out = append(out, c.id)
		}
	}
	return out
}

func (a *Account) calendar(id string) *calendarState {
	c := a.cal.find(id)
	if c == nil || c.deleted {
		panic("googlefake: no calendar " + id)
	}
	return c
}

// AddCalendar adds a calendar to the account's list with that many
// generated events. accessRole is freeBusyReader, reader, writer or owner.
func (a *Account) AddCalendar(id, summary, accessRole string, events int) {
	if roleRank(accessRole) < 0 {
		panic("googlefake: AddCalendar: bad access role " + accessRole)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.cal.find(id); c != nil && !c.deleted {
		panic("googlefake: AddCalendar: calendar " + id + " exists")
	}
	c := &calendarState{id: id, summary: summary, accessRole: accessRole, timeZone: "Europe/Berlin", kind: calAdded,
		seed: hash64(a.seed, hashString(id), 0xca1), n: events, total: events, events: map[int]*eventState{}}
	c.loc, _ = time.LoadLocation(c.timeZone)
	c.hash = hash64(c.seed, uint64(len(a.cal.cals)), 0x7)
	a.cal.cals = append(a.cal.cals, c)
	a.touchCalendar(c)
}

// ChangeCalendar changes a calendar's summary and access role ("" keeps
// it); the calendar list's next incremental pass reports it.
func (a *Account) ChangeCalendar(id, summary, accessRole string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calendar(id)
	if summary != "" {
		c.summary = summary
	}
	if accessRole != "" {
		if roleRank(accessRole) < 0 {
			panic("googlefake: ChangeCalendar: bad access role " + accessRole)
		}
		c.accessRole = accessRole
	}
	a.touchCalendar(c)
}

// RemoveCalendar removes a calendar from the list (reported deleted to
// incremental passes and with showDeleted); its events are gone.
func (a *Account) RemoveCalendar(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calendar(id)
	if c.kind == calPrimary {
		panic("googlefake: RemoveCalendar: the primary calendar cannot be removed")
	}
	c.deleted = true
	a.touchCalendar(c)
}

func (a *Account) touchCalendar(c *calendarState) {
	c.seq = a.next()
	c.version++
}

// EventCount is the size of a calendar's index space: generated plus added
// event instances, cancelled ones included.
func (a *Account) EventCount(calendarID string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.calendar(calendarID).total
}

// EventID is the ID of event instance k.
func (a *Account) EventID(calendarID string, k int) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	c := a.calendar(calendarID)
	a.checkEvent(c, k)
	return a.eventAt(c, k, c.events[k]).Id
}

// Event returns event instance k as events.list serves it (a cancelled
// one in its minimal form).
func (a *Account) Event(calendarID string, k int) *calendar.Event {
	a.mu.RLock()
	defer a.mu.RUnlock()
	c := a.calendar(calendarID)
	a.checkEvent(c, k)
	return a.eventAt(c, k, c.events[k])
}

// ChangeEvent edits event instance k (nil edit: a touch); it gets a new
// etag and updated time and appears in the next incremental pass. Its ID
// cannot change.
func (a *Account) ChangeEvent(calendarID string, k int, edit func(ev *calendar.Event)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calendar(calendarID)
	a.checkEvent(c, k)
	st := eventStateOf(c, k)
	if st.cancelled || a.eventAt(c, k, st).Status == "cancelled" {
		panic(fmt.Sprintf("googlefake: ChangeEvent(%d): event is cancelled", k))
	}
	if edit != nil {
		ev := cloneEvent(a.eventAt(c, k, st))
		id := ev.Id
		edit(ev)
		ev.Id = id
		st.ev = ev
	}
	a.touchEvent(c, k, st)
}

// CancelEvent deletes event instance k (for an instance of a recurring
// series: cancels that instance only). Incremental passes and showDeleted
// report it with status "cancelled".
func (a *Account) CancelEvent(calendarID string, k int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calendar(calendarID)
	a.checkEvent(c, k)
	st := eventStateOf(c, k)
	if st.cancelled {
		panic(fmt.Sprintf("googlefake: CancelEvent(%d): already cancelled", k))
	}
	ev := a.eventAt(c, k, st)
	if ev.Status == "cancelled" {
		panic(fmt.Sprintf("googlefake: CancelEvent(%d): already cancelled", k))
	}
	st.cancelled = true
	st.ev = &calendar.Event{Id: ev.Id, Status: "cancelled", RecurringEventId: ev.RecurringEventId,
		OriginalStartTime: ev.OriginalStartTime, Start: ev.Start, End: ev.End}
	a.touchEvent(c, k, st)
}

// AddEvent adds an event instance to a calendar and returns its index. ev
// nil adds a generated one; otherwise ev is served as given (Id: ev.Id, or
// a new one when empty).
func (a *Account) AddEvent(calendarID string, ev *calendar.Event) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calendar(calendarID)
	k := c.total
	c.total++
	st := eventStateOf(c, k)
	if ev != nil {
		cp := cloneEvent(ev)
		if cp.Id == "" {
			cp.Id = strconv.FormatUint(hash64(c.seed, uint64(k), 0xadd), 32)
		}
		if cp.Status == "" {
			cp.Status = "confirmed"
		}
		st.ev = cp
	}
	a.touchEvent(c, k, st)
	return k
}

func (a *Account) checkEvent(c *calendarState, k int) {
	if k < 0 || k >= c.total {
		panic(fmt.Sprintf("googlefake: event index %d out of range [0, %d) in %s", k, c.total, c.id))
	}
}

func eventStateOf(c *calendarState, k int) *eventState {
	st := c.events[k]
	if st == nil {
		st = &eventState{}
		c.events[k] = st
	}
	return st
}

func (a *Account) touchEvent(c *calendarState, k int, st *eventState) {
	st.seq = a.next()
	st.version++
	st.updated = a.now()
	c.log = append(c.log, logEntry{seq: st.seq, idx: k})
}

func cloneEvent(ev *calendar.Event) *calendar.Event {
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	var cp calendar.Event
	if err := json.Unmarshal(b, &cp); err != nil {
		panic(err)
	}
	return &cp
}

// ---- generation ----

// evTime is the cheap part of event k: when it is, and what it is.
type evTime struct {
	start, end   time.Time // end exclusive; all-day: midnights in the calendar's zone
	allDay       bool
	series       bool
	block, inst  int
	origStart    time.Time // series: the instance's original start
	moved        bool
	genCancelled bool // a cancelled instance of a series
	loc          *time.Location
}

const blockSize = 8 // a recurring series: 8 weekly instances

var eventZones = []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "America/Sao_Paulo"}

var zoneLocs = func() map[string]*time.Location {
	m := map[string]*time.Location{}
	for _, z := range eventZones {
		l, err := time.LoadLocation(z)
		if err != nil {
			panic(err)
		}
		m[z] = l
	}
	return m
}()

func (cs *calState) times(c *calendarState, k int) evTime {
	var t evTime
	n := max(c.n, 1)
	step := cs.rangeDur / time.Duration(n)
	t0 := cs.anchor.Add(-cs.rangeDur * 4 / 5)
	t.loc = c.loc
	if c.kind == calHolidays {
		day := t0.Add(time.Duration(k) * 24 * 24 * time.Hour).In(c.loc)
		d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, c.loc)
		t.start, t.end, t.allDay = d, d.AddDate(0, 0, 1), true
		return t
	}
	t.block, t.inst = k/blockSize, k%blockSize
	hb := hash64(c.seed, uint64(t.block), 0xb10c)
	hk := hash64(c.seed, uint64(k), 0x71e)
	if hb%100 < 25 && (t.block+1)*blockSize <= c.n {
		// Weekly series in the calendar's zone.
		t.series = true
		base := t0.Add(time.Duration(t.block*blockSize) * step).In(c.loc)
		hour := 8 + int((hb>>8)%10)
		first := time.Date(base.Year(), base.Month(), base.Day(), hour, int((hb>>16)%2)*30, 0, 0, c.loc)
		t.origStart = first.AddDate(0, 0, 7*t.inst)
		t.start = t.origStart
		dur := time.Duration(30+30*int((hb>>20)%2)) * time.Minute
		switch x := hk % 100; {
		case x < 8 && t.inst > 0:
			t.genCancelled = true
		case x < 12:
			t.moved = true
			t.start = t.start.Add(time.Hour)
		}
		t.end = t.start.Add(dur)
		return t
	}
	at := t0.Add(time.Duration(k)*step + time.Duration(hk%uint64(max(step, 1))))
	if hk>>8%100 < 10 {
		d := at.In(c.loc)
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, c.loc)
		t.start, t.end, t.allDay = day, day.AddDate(0, 0, []int{1, 1, 1, 2, 3}[(hk>>16)%5]), true
		return t
	}
	loc := c.loc
	if hk>>24%100 < 20 {
		loc = zoneLocs[eventZones[(hk>>32)%uint64(len(eventZones))]]
	}
	t.loc = loc
	d := at.In(loc)
	t.start = time.Date(d.Year(), d.Month(), d.Day(), 7+int((hk>>40)%12), int((hk>>48)%4)*15, 0, 0, loc)
	t.end = t.start.Add([]time.Duration{30 * time.Minute, 45 * time.Minute, time.Hour, time.Hour, 90 * time.Minute, 2 * time.Hour}[(hk>>52)%6])
	return t
}

var (
	summaries = []string{"1:1", "Weekly sync", "Quarterly review", "Coffee ☕", "Lunch", "Design review", "Интервью",
		"会議", "اجتماع الفريق", "פגישת צוות", "Café avec Zoë", "Planning", "Retro", "Board meeting", "Dentist"}
	rooms = []string{"Berlin-3-Kepler (8)", "Berlin-2-Noether (4)", "NYC-12-Hopper (12)", "Tokyo-5-Sakura (6)"}
)

func dateTime(t time.Time, tz string) *calendar.EventDateTime {
	return &calendar.EventDateTime{DateTime: t.Format(time.RFC3339), TimeZone: tz}
}

func rfc3339ms(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// eventAt serves event k of c: stored or generated, masked for the
// caller's access. st may be nil.
func (a *Account) eventAt(c *calendarState, k int, st *eventState) *calendar.Event {
	version := 0
	if st != nil {
		version = st.version
		if st.ev != nil {
			cp := *st.ev
			ev := &cp
			ev.Etag = eventEtag(c, k, version)
			if st.cancelled {
				return &calendar.Event{Id: ev.Id, Status: "cancelled", RecurringEventId: ev.RecurringEventId,
					OriginalStartTime: ev.OriginalStartTime}
			}
			ev.Updated = rfc3339ms(st.updated)
			if ev.Kind == "" {
				ev.Kind = "calendar#event"
			}
			return a.maskForRole(c, ev)
		}
	}
	t := a.cal.times(c, k)
	ev := a.genEvent(c, k, t)
	if ev.Status == "cancelled" {
		return ev
	}
	ev.Etag = eventEtag(c, k, version)
	if st != nil && !st.updated.IsZero() {
		ev.Updated = rfc3339ms(st.updated)
	}
	return a.maskForRole(c, ev)
}

func eventEtag(c *calendarState, k, version int) string {
	return `"` + strconv.FormatUint(hash64(c.seed, uint64(k), uint64(version), 0xe7)%9e15+1e15, 10) + `"`
}

func (a *Account) maskForRole(c *calendarState, ev *calendar.Event) *calendar.Event {
	if c.accessRole != "freeBusyReader" {
		return ev
	}
	return &calendar.Event{Kind: ev.Kind, Etag: ev.Etag, Id: ev.Id, Status: ev.Status, Start: ev.Start, End: ev.End,
		Updated: ev.Updated, RecurringEventId: ev.RecurringEventId, OriginalStartTime: ev.OriginalStartTime}
}

func (a *Account) genEvent(c *calendarState, k int, t evTime) *calendar.Event {
	var id, seriesID string
	if t.series {
		seriesID = strconv.FormatUint(hash64(c.seed, uint64(t.block), 0x5e7)>>4, 32)
		id = seriesID + "_" + t.origStart.UTC().Format("20060102T150405Z")
	} else {
		id = strconv.FormatUint(hash64(c.seed, uint64(k), 0x1d)>>4, 32)
	}
	var orig *calendar.EventDateTime
	if t.series {
		orig = dateTime(t.origStart, c.timeZone)
	}
	if t.genCancelled {
		return &calendar.Event{Id: id, Status: "cancelled", RecurringEventId: seriesID, OriginalStartTime: orig}
	}
	// Series share their look; instances their own response details.
	rs := rng{hash64(c.seed, uint64(k), 0xe1)}
	if t.series {
		rs = rng{hash64(c.seed, uint64(t.block), 0xe2)}
	}
	r := rng{hash64(c.seed, uint64(k), 0xe3)}
	hu := hash64(c.seed, uint64(k), 0x0d)
	updated := a.cal.anchor.Add(-time.Duration(hu%(400*24*3600)) * time.Second)
	if lim := t.start.Add(-time.Hour); updated.After(lim) && lim.Before(a.cal.anchor) {
		updated = lim
	}
	created := updated.Add(-time.Duration(hu>>32%(30*24*3600)) * time.Second)
	ev := &calendar.Event{
		Kind: "calendar#event", Id: id, Status: "confirmed",
		HtmlLink: "https://www.google.com/calendar/event?eid=" + b64(hash64(c.seed, uint64(k), 0x4e), 24),
		Created:  rfc3339ms(created), Updated: rfc3339ms(updated),
		Summary: summaries[rs.intn(len(summaries))],
		ICalUID: id + "@google.com", EventType: "default",
		Reminders: &calendar.EventReminders{UseDefault: true},
	}
	if t.series {
		ev.ICalUID = seriesID + "@google.com"
		ev.RecurringEventId = seriesID
		ev.OriginalStartTime = orig
	}
	tz := c.timeZone
	if t.loc != nil && t.loc != c.loc {
		tz = t.loc.String()
	}
	if t.allDay {
		ev.Start = &calendar.EventDateTime{Date: t.start.Format("2006-01-02")}
		ev.End = &calendar.EventDateTime{Date: t.end.Format("2006-01-02")}
		ev.Transparency = "transparent"
	} else {
		ev.Start, ev.End = dateTime(t.start, tz), dateTime(t.end, tz)
	}
	self := a.email
	if c.kind == calHolidays {
		ev.Summary = []string{"New Year's Day", "Independence Day", "Thanksgiving Day", "Labor Day", "Día de los Muertos"}[k%5]
		ev.Organizer = &calendar.EventOrganizer{Email: c.id, DisplayName: c.summary, Self: true}
		ev.Creator = &calendar.EventCreator{Email: c.id, DisplayName: c.summary}
		ev.Visibility = "public"
		return ev
	}
	if c.kind == calColleague || c.kind == calTeam {
		self = c.id
	}
	kind := rs.intn(100)
	// Large and medium meetings sit at fixed positions among single timed
	// events, so that every page carries about as many (page sizes, and
	// the heap a page costs, do not depend on luck).
	large := !t.series && !t.allDay && k%50 == 7
	medium := !t.series && !t.allDay && k%25 == 11
	if !large && !medium && (t.allDay && kind < 70 || kind < 10) {
		// Personal: no attendees.
		ev.Organizer = &calendar.EventOrganizer{Email: self, Self: true}
		ev.Creator = &calendar.EventCreator{Email: self, Self: true}
		if kind < 3 && !t.allDay {
			ev.EventType = "focusTime"
			ev.Summary = "Focus time"
		}
		return ev
	}
	others := 1 + rs.intn(5)
	switch {
	case large:
		others = 199
	case medium:
		others = 10 + rs.intn(30)
	}
	orgSelf := rs.permille(500)
	selfStatus := "accepted"
	if !orgSelf {
		selfStatus = responseStatus(&r, true)
	}
	selfAtt := &calendar.EventAttendee{Email: self, Self: true, ResponseStatus: selfStatus, Organizer: orgSelf}
	atts := make([]*calendar.EventAttendee, 0, others+3)
	atts = append(atts, selfAtt)
	for j := 0; j < others; j++ {
		att := a.genAttendee(&rs, &r, k, j)
		if j == 0 && !orgSelf {
			att.Organizer, att.ResponseStatus = true, "accepted"
		}
		atts = append(atts, att)
	}
	if rs.permille(200) {
		atts = append(atts, &calendar.EventAttendee{
			Email:       "c_188" + strconv.FormatUint(hash64(c.seed, uint64(rs.intn(len(rooms))), 0x400)&0xffffffffff, 16) + "@resource.calendar.google.com",
			DisplayName: rooms[rs.intn(len(rooms))], Resource: true, ResponseStatus: "accepted"})
	}
	if rs.permille(50) {
		atts = append(atts, &calendar.EventAttendee{
			Email:       "c_" + strconv.FormatUint(hash64(a.seed, 0x9a)&0xffffffffffff, 16) + "@group.calendar.google.com",
			DisplayName: "Team", ResponseStatus: "needsAction"})
	}
	// Attendees are listed organizer first, then in no particular order.
	if !orgSelf {
		atts[0], atts[1] = atts[1], atts[0]
	}
	ev.Attendees = atts
	org := atts[0]
	ev.Organizer = &calendar.EventOrganizer{Email: org.Email, DisplayName: org.DisplayName, Self: org.Self}
	ev.Creator = &calendar.EventCreator{Email: org.Email, DisplayName: org.DisplayName, Self: org.Self}
	if rs.permille(400) {
		m := strconv.FormatUint(hash64(c.seed, uint64(t.block), 0x3ee7)%(1<<50)+(1<<49), 32)
		ev.HangoutLink = "https://meet.google.com/" + m[:3] + "-" + m[3:7] + "-" + m[7:10]
	}
	if rs.permille(150) {
		ev.Location = []string{"Café Einstein, Berlin", "Zoom", "東京オフィス", "Room 4"}[rs.intn(4)]
	}
	return ev
}

func responseStatus(r *rng, self bool) string {
	x := r.intn(100)
	switch {
	case x < 60:
		return "accepted"
	case x < 72 && self || x < 70:
		return "declined"
	case x < 82:
		return "tentative"
	}
	return "needsAction"
}

// genAttendee draws attendee j of event k: mostly one of the account's
// people (primary or secondary address, sometimes in another case),
// sometimes a stranger.
func (a *Account) genAttendee(rs, r *rng, k, j int) *calendar.EventAttendee {
	att := &calendar.EventAttendee{ResponseStatus: responseStatus(r, false)}
	if a.nPeople > 0 && !rs.permille(100) {
		for try := 0; try < 3; try++ {
			p := rs.intn(a.nPeople)
			id := a.identityOf(p)
			if len(id.emails) == 0 {
				continue
			}
			e := id.emails[0]
			if len(id.emails) > 1 && rs.permille(150) {
				e = id.emails[1+rs.intn(len(id.emails)-1)]
			}
			switch x := rs.intn(100); {
			case x < 5:
				e = strings.ToUpper(e)
			case x < 10:
				e = strings.ToUpper(e[:1]) + e[1:]
			}
			att.Email = e
			if id.named && rs.permille(400) {
				att.DisplayName, _ = id.displayName()
			}
			if r.permille(50) {
				att.Optional = true
			}
			return att
		}
	}
	att.Email = "guest." + strconv.FormatUint(hash64(a.seed, uint64(k), uint64(j), 0x57)%1_000_000, 10) + "@stranger.example"
	return att
}
