package googlefake

import (
	"encoding/json"

	"google.golang.org/api/calendar/v3"
)

// appendEvents writes a calendar.Events page as json.Marshal would (a
// test compares them), encoding events the fast way when it can; see
// appendPerson for why.
func appendEvents(b []byte, r *calendar.Events) []byte {
	w := &jw{b: b}
	w.open()
	w.str("accessRole", r.AccessRole)
	w.list("defaultReminders", len(r.DefaultReminders), false, func(i int) { w.reminder(r.DefaultReminders[i]) })
	w.str("description", r.Description)
	w.str("etag", r.Etag)
	l := itemList{w: w, key: "items"}
	for _, ev := range r.Items {
		l.event(ev)
	}
	l.end()
	w.str("kind", r.Kind)
	w.str("nextPageToken", r.NextPageToken)
	w.str("nextSyncToken", r.NextSyncToken)
	w.str("summary", r.Summary)
	w.str("timeZone", r.TimeZone)
	w.str("updated", r.Updated)
	w.close()
	return append(w.b, '\n')
}

func (l *itemList) event(ev *calendar.Event) {
	l.next()
	if fastEvent(ev) {
		l.w.event(ev)
		return
	}
	j, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	l.w.b = append(l.w.b, j...)
}

func (w *jw) reminder(x *calendar.EventReminder) {
	w.open()
	w.str("method", x.Method)
	w.int("minutes", x.Minutes)
	w.close()
}

func (w *jw) dateTime(k string, d *calendar.EventDateTime) {
	if d == nil {
		return
	}
	w.key(k)
	w.open()
	w.str("date", d.Date)
	w.str("dateTime", d.DateTime)
	w.str("timeZone", d.TimeZone)
	w.close()
}

func (w *jw) person(k, displayName, email, id string, self bool) {
	w.key(k)
	w.open()
	w.str("displayName", displayName)
	w.str("email", email)
	w.str("id", id)
	w.boolean("self", self)
	w.close()
}

func fastEvent(ev *calendar.Event) bool {
	if ev.AnyoneCanAddSelf || ev.Attachments != nil || ev.BirthdayProperties != nil || ev.ConferenceData != nil ||
		ev.EndTimeUnspecified || ev.EventLabelId != "" || ev.ExtendedProperties != nil || ev.FocusTimeProperties != nil ||
		ev.Gadget != nil || ev.GuestsCanInviteOthers != nil || ev.GuestsCanModify || ev.GuestsCanSeeOtherGuests != nil ||
		ev.Locked || ev.OutOfOfficeProperties != nil || ev.PrivateCopy || ev.Source != nil ||
		ev.WorkingLocationProperties != nil || len(ev.ForceSendFields) > 0 || len(ev.NullFields) > 0 {
		return false
	}
	if r := ev.Reminders; r != nil && (len(r.ForceSendFields) > 0 || len(r.NullFields) > 0) {
		return false
	}
	for _, d := range []*calendar.EventDateTime{ev.Start, ev.End, ev.OriginalStartTime} {
		if d != nil && (len(d.ForceSendFields) > 0 || len(d.NullFields) > 0) {
			return false
		}
	}
	for _, a := range ev.Attendees {
		if a == nil || len(a.ForceSendFields) > 0 || len(a.NullFields) > 0 {
			return false
		}
	}
	if o := ev.Organizer; o != nil && len(o.ForceSendFields) > 0 {
		return false
	}
	if c := ev.Creator; c != nil && len(c.ForceSendFields) > 0 {
		return false
	}
	return true
}

func (w *jw) event(ev *calendar.Event) {
	w.open()
	w.list("attendees", len(ev.Attendees), false, func(i int) {
		a := ev.Attendees[i]
		w.open()
		w.int("additionalGuests", a.AdditionalGuests)
		w.str("asyncOperation", a.AsyncOperation)
		w.str("comment", a.Comment)
		w.str("displayName", a.DisplayName)
		w.str("email", a.Email)
		w.str("id", a.Id)
		w.boolean("optional", a.Optional)
		w.boolean("organizer", a.Organizer)
		w.boolean("resource", a.Resource)
		w.str("responseStatus", a.ResponseStatus)
		w.boolean("self", a.Self)
		w.close()
	})
	w.boolean("attendeesOmitted", ev.AttendeesOmitted)
	w.str("colorId", ev.ColorId)
	w.str("created", ev.Created)
	if c := ev.Creator; c != nil {
		w.person("creator", c.DisplayName, c.Email, c.Id, c.Self)
	}
	w.str("description", ev.Description)
	w.dateTime("end", ev.End)
	w.str("etag", ev.Etag)
	w.str("eventType", ev.EventType)
	w.str("hangoutLink", ev.HangoutLink)
	w.str("htmlLink", ev.HtmlLink)
	w.str("iCalUID", ev.ICalUID)
	w.str("id", ev.Id)
	w.str("kind", ev.Kind)
	w.str("location", ev.Location)
	if o := ev.Organizer; o != nil {
		w.person("organizer", o.DisplayName, o.Email, o.Id, o.Self)
	}
	w.dateTime("originalStartTime", ev.OriginalStartTime)
	w.strs("recurrence", ev.Recurrence)
	w.str("recurringEventId", ev.RecurringEventId)
	if r := ev.Reminders; r != nil {
		w.key("reminders")
		w.open()
		w.list("overrides", len(r.Overrides), false, func(i int) { w.reminder(r.Overrides[i]) })
		w.boolean("useDefault", r.UseDefault)
		w.close()
	}
	w.int("sequence", ev.Sequence)
	w.dateTime("start", ev.Start)
	w.str("status", ev.Status)
	w.str("summary", ev.Summary)
	w.str("transparency", ev.Transparency)
	w.str("updated", ev.Updated)
	w.str("visibility", ev.Visibility)
	w.close()
}
