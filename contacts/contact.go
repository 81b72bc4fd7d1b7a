package contacts

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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

	// Email is the primary address, bare (ann@example.com), at most 320
	// characters. OtherEmails holds the contact's further addresses (at most
	// MaxOtherEmails). Both are kept as given, trimmed; addresses whose
	// normalized forms (NormalizeEmail) repeat an earlier one are dropped
	// on write. Store.FindByEmail matches any of them.
	Email       string
	OtherEmails []string
	Phone       string // free form, at most 64 characters
	LinkedIn    string // profile URL or handle, at most 200 characters
	Instagram   string // handle, at most 100 characters
	XHandle     string // handle, at most 100 characters
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

	// The sync owns these three: Create, Update and Patch never set, change
	// or clear them; only Store.ApplyGooglePage writes them and
	// Store.Unlink clears them.
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

	// Version counts the writes of the contact's own fields: 1 when
	// created, one more after every Update, Patch, MarkContacted that moved
	// it, Archive, Unarchive, sync write and Unlink. Group membership
	// changes do not bump it. Update and Patch refuse a copy whose Version
	// is not the stored one with a *ConflictError.
	Version int64

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
	Name      string // 1 to 100 characters, trimmed and NFC, unique per user ignoring case
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Field length limits, in characters. The database checks the same limits.
const (
	MaxNameLen          = 300
	MaxEmailLen         = 320 // a whole address; its local part at most 64 bytes, its domain at most 255
	MaxOtherEmails      = 99  // the People API lists at most 100 addresses per person
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
// *FieldError, or nil. It checks c as the store would write it, after the
// store's normalization (names and tags trimmed and in Unicode NFC, emails
// trimmed, repeated tags and addresses dropped): lengths, that text is
// valid UTF-8 without NUL bytes or invisible bidi controls (U+202A–U+202E,
// U+2066–U+2069; Notes may hold them), the enums, every email's form, the
// time zone's name (through time.LoadLocation: hosts on machines without a
// zoneinfo database should import time/tzdata), the confidence's range,
// and that every time set is a real date: not the zero time, not before
// MinDate. ID, UserID, Version, GroupIDs and the timestamps the store
// maintains are not checked; nor is how far in the future
// LastContactDate lies, which needs the store's clock
// (Config.MaxFutureSkew).
func (c *Contact) Validate() error {
	n := c.normalized()
	_, err := n.check()
	return err
}

// MinDate is the earliest date kith stores in any time field. Earlier
// values are placeholders (Go's zero time, year 0001, 1800-01-01), not
// real contact dates; refusing them keeps every elapsed time well inside
// time.Duration's range of 292 years, so scoring stays exact.
var MinDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// normalized returns a copy of c as the store writes it: name and tags
// trimmed and in NFC, repeated tags dropped, emails trimmed. It never
// modifies c's slices or maps.
func (c *Contact) normalized() Contact {
	n := *c
	n.Name = norm.NFC.String(strings.TrimSpace(c.Name))
	n.Email = strings.TrimSpace(c.Email)
	if c.OtherEmails != nil {
		n.OtherEmails = make([]string, len(c.OtherEmails))
		for i, e := range c.OtherEmails {
			n.OtherEmails[i] = strings.TrimSpace(e)
		}
	}
	if c.Tags != nil {
		n.Tags = make([]string, 0, len(c.Tags))
		for _, t := range c.Tags {
			t = norm.NFC.String(strings.TrimSpace(t))
			if t == "" || !slices.Contains(n.Tags, t) {
				n.Tags = append(n.Tags, t)
			}
		}
	}
	return n
}

// check validates a normalized contact, drops other emails whose
// normalized form repeats an earlier address, and returns the normalized
// forms of all its addresses, primary first.
func (c *Contact) check() (emailKeys []string, err error) {
	if c.Name == "" {
		return nil, &FieldError{Field: "name", Reason: "required"}
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
		{"source", c.Source, MaxSourceLen},
		{"google_resource_name", c.GoogleResourceName, MaxGoogleLen},
		{"google_etag", c.GoogleETag, MaxGoogleLen},
	}
	for _, t := range texts {
		if err := checkLine(t.field, t.value, t.max); err != nil {
			return nil, err
		}
	}
	if err := checkText("notes", c.Notes, MaxNotesLen); err != nil {
		return nil, err
	}
	if emailKeys, err = c.checkEmails(); err != nil {
		return nil, err
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			return nil, &FieldError{Field: "time_zone", Reason: fmt.Sprintf("unknown IANA time zone %q", c.TimeZone)}
		}
	}
	if !c.Frequency.Valid() {
		return nil, &FieldError{Field: "frequency", Reason: fmt.Sprintf("unknown frequency %q", string(c.Frequency))}
	}
	if !c.Circle.Valid() {
		return nil, &FieldError{Field: "circle", Reason: fmt.Sprintf("unknown circle %q", string(c.Circle))}
	}
	if !c.AISuggestedCircle.Valid() {
		return nil, &FieldError{Field: "ai_suggested_circle", Reason: fmt.Sprintf("unknown circle %q", string(c.AISuggestedCircle))}
	}
	if p := c.CircleConfidence; p != nil && !(*p >= 0 && *p <= 1) { // NaN fails both
		return nil, &FieldError{Field: "circle_confidence", Reason: fmt.Sprintf("%v is outside [0, 1]", *p)}
	}
	for _, t := range [...]struct {
		field string
		at    *time.Time
	}{
		{"last_contact_date", c.LastContactDate},
		{"circle_assigned_at", c.CircleAssignedAt},
		{"last_synced_at", c.LastSyncedAt},
	} {
		if t.at != nil {
			if err := checkDate(t.field, *t.at); err != nil {
				return nil, err
			}
		}
	}
	if len(c.Tags) > MaxTags {
		return nil, &FieldError{Field: "tags", Reason: fmt.Sprintf("%d tags, more than %d", len(c.Tags), MaxTags), Len: len(c.Tags), Max: MaxTags}
	}
	for _, tag := range c.Tags {
		if err := checkLine("tags", tag, MaxTagLen); err != nil {
			return nil, err
		}
		if tag == "" {
			return nil, &FieldError{Field: "tags", Reason: "empty tag"}
		}
	}
	if len(c.OtherSocial) > MaxOtherSocial {
		return nil, &FieldError{Field: "other_social", Reason: fmt.Sprintf("%d entries, more than %d", len(c.OtherSocial), MaxOtherSocial), Len: len(c.OtherSocial), Max: MaxOtherSocial}
	}
	for k, v := range c.OtherSocial {
		if k == "" {
			return nil, &FieldError{Field: "other_social", Reason: "empty network name"}
		}
		if err := checkLine("other_social", k, MaxHandleLen); err != nil {
			return nil, err
		}
		if err := checkLine("other_social", v, MaxHandleLen); err != nil {
			return nil, err
		}
	}
	return emailKeys, nil
}

// checkEmails validates the primary and other emails of a normalized
// contact, drops other emails whose key repeats an earlier address, and
// returns the keys, primary first.
func (c *Contact) checkEmails() ([]string, error) {
	if len(c.OtherEmails) > MaxOtherEmails {
		return nil, &FieldError{Field: "other_emails", Reason: fmt.Sprintf("%d addresses, more than %d", len(c.OtherEmails), MaxOtherEmails),
			Len: len(c.OtherEmails), Max: MaxOtherEmails}
	}
	keys := make([]string, 0, 1+len(c.OtherEmails))
	if c.Email != "" {
		k, err := emailKey("email", c.Email)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	var kept []string
	for i, e := range c.OtherEmails {
		if e == "" {
			return nil, &FieldError{Field: "other_emails", Reason: "empty address"}
		}
		k, err := emailKey("other_emails", e)
		if err != nil {
			return nil, err
		}
		if slices.Contains(keys, k) {
			if kept == nil {
				kept = slices.Clone(c.OtherEmails[:i])
			}
			continue
		}
		keys = append(keys, k)
		if kept != nil {
			kept = append(kept, e)
		}
	}
	if kept != nil {
		c.OtherEmails = kept
	}
	return keys, nil
}

// checkDate refuses the zero time and dates before MinDate.
func checkDate(field string, t time.Time) error {
	if t.IsZero() {
		return &FieldError{Field: field, Reason: "zero time"}
	}
	if t.Before(MinDate) {
		return &FieldError{Field: field, Reason: fmt.Sprintf("%s is before %s", t.UTC().Format(time.RFC3339), MinDate.Format("2006-01-02"))}
	}
	return nil
}

// checkLine is checkText for one-line fields, which also refuse the
// invisible bidi controls that can make a name display as another.
func checkLine(field, s string, max int) error {
	if err := checkText(field, s, max); err != nil {
		return err
	}
	if i := strings.IndexFunc(s, isBidiControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return &FieldError{Field: field, Reason: fmt.Sprintf("contains the invisible bidi control %U", r)}
	}
	return nil
}

// isBidiControl reports the embedding, override and isolate controls
// (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
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

// groupName normalizes a group's name (trimmed, NFC), validates it and
// returns it with its case-folded key, the form uniqueness is checked on.
func groupName(name string) (string, string, error) {
	name = norm.NFC.String(strings.TrimSpace(name))
	if name == "" {
		return "", "", &FieldError{Field: "group_name", Reason: "required"}
	}
	if err := checkLine("group_name", name, MaxGroupNameLen); err != nil {
		return "", "", err
	}
	return name, norm.NFC.String(cases.Fold().String(name)), nil
}
