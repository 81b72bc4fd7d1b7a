package calendar

import (
	"strings"
	"time"

	gcal "google.golang.org/api/calendar/v3"
)

// mapEvent turns a Google event into an Event. loc is the calendar's
// time zone (the list response's timeZone), used for all-day events
// without their own. ok is false for an event that cannot be stored (a
// live event without a readable start or end): it is skipped and counted.
func mapEvent(g *gcal.Event, loc *time.Location, zones *zoneCache) (Event, bool) {
	if g == nil || g.Id == "" {
		return Event{}, false
	}
	e := Event{ID: g.Id, ICalUID: g.ICalUID, RecurringEventID: g.RecurringEventId, Status: g.Status, ETag: g.Etag}
	if g.Status == StatusCancelled {
		return e, true
	}
	if g.Status != StatusConfirmed && g.Status != StatusTentative {
		e.Status = StatusConfirmed
	}
	var ok1, ok2, allDay1, allDay2 bool
	e.Start, allDay1, ok1 = eventTime(g.Start, loc, zones)
	e.End, allDay2, ok2 = eventTime(g.End, loc, zones)
	if !ok1 || !ok2 || allDay1 != allDay2 {
		return Event{}, false
	}
	if e.End.Before(e.Start) {
		e.End = e.Start
	}
	e.AllDay = allDay1
	if g.Updated != "" {
		if t, err := time.Parse(time.RFC3339Nano, g.Updated); err == nil {
			e.Updated = t
		}
	}
	if g.Organizer != nil {
		e.OrganizerEmail, e.OrganizerSelf = g.Organizer.Email, g.Organizer.Self
	}
	if len(g.Attendees) > 0 {
		e.Attendees = make([]Attendee, 0, len(g.Attendees))
		for _, a := range g.Attendees {
			if a == nil {
				continue
			}
			e.Attendees = append(e.Attendees, Attendee{
				// A NUL byte, which WriteEvents refuses, is dropped from
				// the one free-text field: a name must not stop the sync.
				Email: a.Email, DisplayName: strings.ReplaceAll(a.DisplayName, "\x00", ""), ResponseStatus: a.ResponseStatus,
				Self: a.Self, Organizer: a.Organizer, Resource: a.Resource,
			})
		}
	}
	return e, true
}

// eventTime reads an EventDateTime: a dateTime (RFC 3339 with an offset)
// or, for an all-day event, a date, at midnight in the event's time zone,
// else the calendar's.
func eventTime(d *gcal.EventDateTime, loc *time.Location, zones *zoneCache) (t time.Time, allDay, ok bool) {
	if d == nil {
		return time.Time{}, false, false
	}
	if d.DateTime != "" {
		t, err := time.Parse(time.RFC3339Nano, d.DateTime)
		return t, false, err == nil
	}
	if d.Date == "" {
		return time.Time{}, false, false
	}
	if l := zones.get(d.TimeZone); l != nil {
		loc = l
	}
	t, err := time.ParseInLocation(time.DateOnly, d.Date, loc)
	return t, true, err == nil
}

// zoneCache keeps the time zones a run has loaded (time.LoadLocation reads
// the zone database on every call), up to maxZones.
type zoneCache struct{ m map[string]*time.Location }

const maxZones = 64

// get returns the zone named name, nil for "" or an unknown name.
func (z *zoneCache) get(name string) *time.Location {
	if name == "" {
		return nil
	}
	if l, ok := z.m[name]; ok {
		return l
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = nil
	}
	if z.m == nil {
		z.m = map[string]*time.Location{}
	}
	if len(z.m) < maxZones {
		z.m[name] = l
	}
	return l
}
