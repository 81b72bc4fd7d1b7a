package calendar

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
)

// Event statuses, as Google gives them.
const (
	StatusConfirmed = "confirmed"
	StatusTentative = "tentative"
	StatusCancelled = "cancelled"
)

// Attendee responses, as Google gives them.
const (
	ResponseNeedsAction = "needsAction"
	ResponseDeclined    = "declined"
	ResponseTentative   = "tentative"
	ResponseAccepted    = "accepted"
)

// Bounds of an event's fields, in characters.
const (
	maxIDLen       = 1024
	maxETagLen     = 200
	maxDisplayName = 300
)

// Domains of addresses that are never people.
const (
	resourceDomain = "@resource.calendar.google.com"
	groupDomain    = "@group.calendar.google.com"
)

// An Event is one event of a calendar as WriteEvents stores it: a single
// instance (recurring series are read with singleEvents=true), in the
// shape of Google Calendar's Event, holding only what kith needs. Titles,
// descriptions and locations are not kept.
type Event struct {
	// ID is the event's id, unique within its calendar. Required.
	ID string
	// ICalUID is the iCalendar UID, the same for one meeting in every
	// calendar that holds it (and for every instance of a series).
	ICalUID string
	// RecurringEventID is the id of the series an instance belongs to.
	RecurringEventID string
	// Status is StatusConfirmed (also for ""), StatusTentative or
	// StatusCancelled. A cancelled event is deleted: an instance of a
	// series (RecurringEventID set) removes that instance only; any other
	// removes the event and, if it is a series, all its stored instances.
	// A cancelled event needs only ID (and RecurringEventID).
	Status string
	// Start and End are the event's instants, End exclusive and not
	// before Start. For an all-day event they are midnight of its first
	// day and of the day after its last, in the calendar's time zone (the
	// dates are stored as the times' dates in their Location).
	Start, End time.Time
	AllDay     bool
	// OrganizerEmail is the organizer's address; OrganizerSelf tells that
	// the calendar being read is the organizer.
	OrganizerEmail string
	OrganizerSelf  bool
	// Attendees as Google lists them, the user (Self) included.
	Attendees []Attendee
	// Updated is the event's last modification time, ETag its version: an
	// event stored with the same non-empty ETag is not written again.
	Updated time.Time
	ETag    string
}

// An Attendee is one invitee of an Event.
type Attendee struct {
	Email       string
	DisplayName string
	// ResponseStatus is one of the Response constants ("" reads as
	// needsAction).
	ResponseStatus string
	// Self: this attendee is the calendar being read.
	Self bool
	// Organizer: this attendee organizes the event.
	Organizer bool
	// Resource: a room or other resource, not a person.
	Resource bool
}

// eventRow is an Event as the write statement reads it (jsonb_to_recordset).
type eventRow struct {
	EventID          string     `json:"event_id"`
	ICalUID          string     `json:"ical_uid"`
	RecurringEventID string     `json:"recurring_event_id"`
	Status           string     `json:"status"`
	StartAt          *time.Time `json:"start_at"`
	EndAt            *time.Time `json:"end_at"`
	AllDay           bool       `json:"all_day"`
	StartDate        *string    `json:"start_date"`
	EndDate          *string    `json:"end_date"`
	OrganizerEmail   string     `json:"organizer_email"`
	SelfOrganizer    bool       `json:"self_organizer"`
	SelfResponse     string     `json:"self_response"`
	AttendeeCount    int        `json:"attendee_count"`
	Updated          *time.Time `json:"updated"`
	ETag             string     `json:"etag"`
	Emails           []string   `json:"emails"`
	Names            []string   `json:"names"`
}

// checkID refuses an empty or over-long identifier, and one PostgreSQL
// cannot store (invalid UTF-8, a NUL byte).
func checkID(field, id string) error {
	if id == "" {
		return invalid("%s: required", field)
	}
	if err := checkText(field, id); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(id); n > maxIDLen {
		return invalid("%s: %d characters, more than %d", field, n, maxIDLen)
	}
	return nil
}

// checkText refuses text PostgreSQL cannot store (invalid UTF-8, a NUL
// byte) before any statement, naming the field, never the value.
func checkText(field, s string) error {
	if err := argcheck.Text(s); err != nil {
		return invalid("%s: %v", field, err)
	}
	return nil
}

// checkNUL refuses a NUL byte, which no text column or jsonb string can
// hold, in a field whose invalid UTF-8 is cleaned rather than refused
// (encoding/json replaces it; names are cut to valid UTF-8; an invalid
// address is ignored).
func checkNUL(field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return invalid("%s: %v", field, argcheck.ErrNUL)
	}
	return nil
}

// row checks e (the i-th event of a page, 1-based) and returns it as the
// statement reads it. Error texts name the row and the field, never a
// value: events carry personal data.
func row(i int, e *Event) (eventRow, error) {
	bad := func(format string, args ...any) error {
		return invalid("event %d: "+format, append([]any{i}, args...)...)
	}
	if err := checkID("ID", e.ID); err != nil {
		return eventRow{}, bad("%v", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	if e.RecurringEventID != "" {
		if err := checkID("RecurringEventID", e.RecurringEventID); err != nil {
			return eventRow{}, bad("%v", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
	}
	r := eventRow{EventID: e.ID, RecurringEventID: e.RecurringEventID, Status: e.Status, Emails: []string{}, Names: []string{}}
	switch e.Status {
	case "":
		r.Status = StatusConfirmed
	case StatusConfirmed, StatusTentative:
	case StatusCancelled:
		return r, nil
	default:
		return eventRow{}, bad("Status: unknown (want confirmed, tentative or cancelled)")
	}
	if e.ICalUID != "" {
		if err := checkID("ICalUID", e.ICalUID); err != nil {
			return eventRow{}, bad("%v", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
	}
	r.ICalUID = e.ICalUID
	if e.Start.IsZero() || e.End.IsZero() {
		return eventRow{}, bad("Start and End: required")
	}
	if e.End.Before(e.Start) {
		return eventRow{}, bad("End: before Start")
	}
	if err := checkNUL("ETag", e.ETag); err != nil {
		return eventRow{}, bad("%v", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	if len(e.ETag) > maxETagLen {
		return eventRow{}, bad("ETag: %d bytes, more than %d", len(e.ETag), maxETagLen)
	}
	start, end := e.Start, e.End
	r.StartAt, r.EndAt, r.AllDay, r.ETag = &start, &end, e.AllDay, e.ETag
	if e.AllDay {
		sd, ed := e.Start.Format(time.DateOnly), e.End.Format(time.DateOnly)
		r.StartDate, r.EndDate = &sd, &ed
	}
	if !e.Updated.IsZero() {
		u := e.Updated
		r.Updated = &u
	}
	if err := checkNUL("OrganizerEmail", e.OrganizerEmail); err != nil {
		return eventRow{}, bad("%v", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	if k, err := contacts.NormalizeEmail(e.OrganizerEmail); err == nil {
		r.OrganizerEmail = k
	}
	r.SelfOrganizer = e.OrganizerSelf
	seen := make(map[string]bool, len(e.Attendees))
	for j := range e.Attendees {
		a := &e.Attendees[j]
		for _, f := range [...]struct{ name, s string }{{"Email", a.Email}, {"DisplayName", a.DisplayName}} {
			if err := checkNUL(f.name, f.s); err != nil {
				return eventRow{}, bad("Attendees[%d].%v", j, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
			}
		}
		key, err := contacts.NormalizeEmail(a.Email)
		resource := a.Resource || (err == nil && strings.HasSuffix(key, resourceDomain))
		if resource {
			continue
		}
		r.AttendeeCount++
		if a.Self {
			r.SelfResponse = response(a.ResponseStatus)
			if a.Organizer {
				r.SelfOrganizer = true
			}
			continue
		}
		if err != nil || strings.HasSuffix(key, groupDomain) || a.ResponseStatus == ResponseDeclined || seen[key] {
			continue
		}
		seen[key] = true
		r.Emails = append(r.Emails, key)
		r.Names = append(r.Names, truncate(strings.TrimSpace(a.DisplayName), maxDisplayName))
	}
	sortAttendees(&r)
	if r.AttendeeCount > MaxMaxAttendees {
		// Too many people to count under any Rules: the addresses would
		// only be stored, never read.
		r.Emails, r.Names = []string{}, []string{}
	}
	return r, nil
}

// sortAttendees sorts r's addresses (their names alongside): an event's
// stored attendees do not depend on the order Google listed them in.
func sortAttendees(r *eventRow) {
	if slices.IsSorted(r.Emails) {
		return
	}
	idx := make([]int, len(r.Emails))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(r.Emails[a], r.Emails[b]) })
	emails, names := make([]string, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		emails[k], names[k] = r.Emails[i], r.Names[i]
	}
	r.Emails, r.Names = emails, names
}

// response maps an attendee's response to the stored one.
func response(s string) string {
	switch s {
	case ResponseAccepted, ResponseDeclined, ResponseTentative:
		return s
	}
	return ResponseNeedsAction
}

// truncate cuts s to at most n characters, on a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return strings.ToValidUTF8(s, "")
	}
	r := []rune(strings.ToValidUTF8(s, ""))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// rows checks a page and returns its rows, one per event ID (a later
// entry for the same ID replaces an earlier one), sorted by ID: the order
// rows are locked in.
func rows(events []Event) ([]eventRow, error) {
	if len(events) > MaxWriteBatch {
		return nil, invalid("page of %d events, more than %d", len(events), MaxWriteBatch)
	}
	out := make([]eventRow, 0, len(events))
	at := make(map[string]int, len(events))
	for i := range events {
		r, err := row(i+1, &events[i])
		if err != nil {
			return nil, err
		}
		if j, dup := at[r.EventID]; dup {
			out[j] = r
			continue
		}
		at[r.EventID] = len(out)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b eventRow) int { return strings.Compare(a.EventID, b.EventID) })
	return out, nil
}
