package contacts

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// A Contact is everything kith stores about one person a user knows.
//
// Strings are never NULL in the database: "" means absent. Times that can
// be unknown are pointers, nil meaning unknown (LastContactDate nil: never
// contacted). The zero Contact is not valid to store: it has no Name.
type Contact struct {
	ID     uuid.UUID // assigned by the store on create
	UserID uuid.UUID // the owner; set by the store from its userID argument
	Name   string    // required, at most 300 characters

	Email     string // a bare address (ann@example.com), at most 320 characters
	Phone     string // free form, at most 64 characters
	LinkedIn  string // profile URL or handle, at most 200 characters
	Instagram string // handle, at most 100 characters
	XHandle   string // handle, at most 100 characters
	// OtherSocial maps further networks to handles ("mastodon":
	// "@ann@example.social"); at most 32 entries of at most 100 characters.
	OtherSocial map[string]string

	Location string // free form, at most 200 characters
	TimeZone string // an IANA name such as "Europe/Paris", or ""
	Notes    string // the user's own notes, at most 100,000 characters

	LastContactDate *time.Time // nil: never contacted
	Frequency       Frequency  // how often the user wants to be in touch
	Tags            []string   // at most 100 tags of at most 64 characters
	Archived        bool       // hidden from streams and suggestions unless asked for
	Source          string     // where the contact came from ("manual", "google", ...), at most 32 characters

	GoogleResourceName string     // "people/c123..." for contacts synced from Google, unique per user
	GoogleETag         string     // the etag Google sent with the person
	LastSyncedAt       *time.Time // when a sync last wrote this contact

	Circle            Circle     // the Dunbar layer the user (or a model) assigned
	CircleAssignedAt  *time.Time // when Circle was set
	CircleConfidence  *float64   // in [0, 1]; nil when no model scored it
	AISuggestedCircle Circle     // a model's suggestion, kept apart from the user's choice

	// GroupIDs lists the groups the contact belongs to. It is read-only:
	// the store fills it from the membership table; change membership with
	// Store.AddToGroup and Store.RemoveFromGroup.
	GroupIDs []uuid.UUID

	CreatedAt time.Time
	UpdatedAt time.Time
}

// A MinimalContact is the hot-path projection of a Contact: just what
// scoring and listing need. It is what stream.MinimalContacts yields.
type MinimalContact struct {
	ID              uuid.UUID
	Name            string
	LastContactDate *time.Time // nil: never contacted
	Frequency       Frequency
	GroupIDs        []uuid.UUID
	Archived        bool
}

// Minimal returns the MinimalContact projection of c.
func (c *Contact) Minimal() MinimalContact {
	return MinimalContact{
		ID: c.ID, Name: c.Name, LastContactDate: c.LastContactDate,
		Frequency: c.Frequency, GroupIDs: c.GroupIDs, Archived: c.Archived,
	}
}

// A Group is a user-defined set of contacts ("family", "climbing").
type Group struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Name      string // 1 to 100 characters, unique per user
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Field length limits, in characters. The database checks the same limits.
const (
	MaxNameLen          = 300
	MaxEmailLen         = 320
	MaxPhoneLen         = 64
	MaxLinkedInLen      = 200
	MaxHandleLen        = 100
	MaxLocationLen      = 200
	MaxTimeZoneLen      = 64
	MaxNotesLen         = 100_000
	MaxSourceLen        = 32
	MaxGoogleLen        = 200
	MaxTags             = 100
	MaxTagLen           = 64
	MaxOtherSocial      = 32
	MaxGroupNameLen     = 100
	MaxGroupsPerContact = 64
)

// Validate reports the first field of c that the store would refuse, as a
// *FieldError, or nil. It checks lengths, that text is valid UTF-8 without
// NUL bytes, the enums, the email's form, the time zone's name (through
// time.LoadLocation: hosts on machines without a zoneinfo database should
// import time/tzdata), and the confidence's range. ID, UserID, GroupIDs and
// the timestamps the store maintains are not checked.
func (c *Contact) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return &FieldError{Field: "name", Reason: "required"}
	}
	texts := [...]struct {
		field, value string
		max          int
	}{
		{"name", c.Name, MaxNameLen},
		{"email", c.Email, MaxEmailLen},
		{"phone", c.Phone, MaxPhoneLen},
		{"linkedin", c.LinkedIn, MaxLinkedInLen},
		{"instagram", c.Instagram, MaxHandleLen},
		{"x_handle", c.XHandle, MaxHandleLen},
		{"location", c.Location, MaxLocationLen},
		{"time_zone", c.TimeZone, MaxTimeZoneLen},
		{"notes", c.Notes, MaxNotesLen},
		{"source", c.Source, MaxSourceLen},
		{"google_resource_name", c.GoogleResourceName, MaxGoogleLen},
		{"google_etag", c.GoogleETag, MaxGoogleLen},
	}
	for _, t := range texts {
		if err := checkText(t.field, t.value, t.max); err != nil {
			return err
		}
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			return &FieldError{Field: "email", Reason: fmt.Sprintf("%q is not a bare email address", c.Email)}
		}
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			return &FieldError{Field: "time_zone", Reason: fmt.Sprintf("unknown IANA time zone %q", c.TimeZone)}
		}
	}
	if !c.Frequency.Valid() {
		return &FieldError{Field: "frequency", Reason: fmt.Sprintf("unknown frequency %q", string(c.Frequency))}
	}
	if !c.Circle.Valid() {
		return &FieldError{Field: "circle", Reason: fmt.Sprintf("unknown circle %q", string(c.Circle))}
	}
	if !c.AISuggestedCircle.Valid() {
		return &FieldError{Field: "ai_suggested_circle", Reason: fmt.Sprintf("unknown circle %q", string(c.AISuggestedCircle))}
	}
	if p := c.CircleConfidence; p != nil && !(*p >= 0 && *p <= 1) { // NaN fails both
		return &FieldError{Field: "circle_confidence", Reason: fmt.Sprintf("%v is outside [0, 1]", *p)}
	}
	if len(c.Tags) > MaxTags {
		return &FieldError{Field: "tags", Reason: fmt.Sprintf("%d tags, more than %d", len(c.Tags), MaxTags), Len: len(c.Tags), Max: MaxTags}
	}
	for _, tag := range c.Tags {
		if err := checkText("tags", tag, MaxTagLen); err != nil {
			return err
		}
		if tag == "" {
			return &FieldError{Field: "tags", Reason: "empty tag"}
		}
	}
	if len(c.OtherSocial) > MaxOtherSocial {
		return &FieldError{Field: "other_social", Reason: fmt.Sprintf("%d entries, more than %d", len(c.OtherSocial), MaxOtherSocial), Len: len(c.OtherSocial), Max: MaxOtherSocial}
	}
	for k, v := range c.OtherSocial {
		if k == "" {
			return &FieldError{Field: "other_social", Reason: "empty network name"}
		}
		if err := checkText("other_social", k, MaxHandleLen); err != nil {
			return err
		}
		if err := checkText("other_social", v, MaxHandleLen); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses text Postgres would reject or the schema would not
// hold: invalid UTF-8, NUL bytes, more than max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return &FieldError{Field: field, Reason: "not valid UTF-8"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return &FieldError{Field: field, Reason: "contains a NUL byte"}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &FieldError{Field: field, Reason: fmt.Sprintf("%d characters, more than %d", n, max), Len: n, Max: max}
	}
	return nil
}

// validateGroupName is Validate for a group's name.
func validateGroupName(name string) error {
	if strings.TrimSpace(name) == "" {
		return &FieldError{Field: "group_name", Reason: "required"}
	}
	return checkText("group_name", name, MaxGroupNameLen)
}
