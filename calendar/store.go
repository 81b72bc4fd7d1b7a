package calendar

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/schemaguard"
)

// Defaults and bounds of [Rules] and of a page of events.
const (
	// DefaultMaxAttendees is Rules.MaxAttendees when it is 0: a meeting of
	// more people is not a conversation.
	DefaultMaxAttendees = 10
	// MaxMaxAttendees is the largest Rules.MaxAttendees.
	MaxMaxAttendees = 10_000
	// MaxWriteBatch is the most events one WriteEvents call takes (a page
	// of events.list holds at most 2,500).
	MaxWriteBatch = 10_000
)

// Attendance is a set of the user's own answers to an invitation that
// count as having attended it. The zero value means
// AttendOrganizer|AttendAccepted.
type Attendance uint8

const (
	// AttendOrganizer: the user organized the event (the calendar being
	// read is its organizer).
	AttendOrganizer Attendance = 1 << iota
	// AttendAccepted: the user answered "accepted".
	AttendAccepted
	// AttendTentative: the user answered "maybe".
	AttendTentative
	// AttendNoAnswer: the user has not answered ("needsAction").
	AttendNoAnswer
)

// DefaultAttendance is what the zero Attendance means.
const DefaultAttendance = AttendOrganizer | AttendAccepted

// responses lists the self_response values a set accepts.
func (a Attendance) responses() []string {
	if a == 0 {
		a = DefaultAttendance
	}
	out := []string{}
	if a&AttendAccepted != 0 {
		out = append(out, "accepted")
	}
	if a&AttendTentative != 0 {
		out = append(out, "tentative")
	}
	if a&AttendNoAnswer != 0 {
		out = append(out, "needsAction")
	}
	return out
}

func (a Attendance) organizer() bool { return a == 0 || a&AttendOrganizer != 0 }

// Rules decide which stored events count as contact with which attendees.
// The zero value is the documented default of every field.
//
// An event counts as contact between the user and an attendee when it has
// ended (its end is at or before the time interactions are applied), is
// not cancelled (cancelled events are never stored), the user attended it
// (Attendance), it is not an all-day event (CountAllDay), and at most
// MaxAttendees people were invited; the attendee counts unless they are
// the user (flagged self, or one of the user's own addresses: the primary
// calendar's address the sync stores, and SelfEmails), a room or resource
// (flagged, or an @resource.calendar.google.com address), a group
// (@group.calendar.google.com), or declined.
type Rules struct {
	// Attendance lists the user's own answers that count as having
	// attended. 0 means DefaultAttendance: organizer, or accepted.
	Attendance Attendance
	// CountAllDay counts all-day events too (by default they do not:
	// an all-day "conference" or "vacation" is rarely a conversation).
	// An all-day event ends at midnight after its last day in the
	// calendar's time zone.
	CountAllDay bool
	// MaxAttendees is the most people (rooms excluded, the user and those
	// who declined included) an event may invite and still count. 0 means
	// DefaultMaxAttendees; at most MaxMaxAttendees.
	MaxAttendees int
	// SelfEmails returns addresses of the user beyond their primary
	// calendar's (aliases, a former work address): attendees with these
	// addresses are never matched to contacts. nil means none. Invalid
	// addresses are ignored. It is called once per ApplyInteractions and
	// UnmatchedAttendees call; an error it returns fails that call,
	// wrapped ("calendar: Rules.SelfEmails of user <id>: " and its text).
	// It may be called concurrently, for different users (SyncAll, or
	// several syncs at once): make it safe for that.
	SelfEmails func(ctx context.Context, userID uuid.UUID) ([]string, error)
}

func (r Rules) check() (Rules, error) {
	switch {
	case r.MaxAttendees == 0:
		r.MaxAttendees = DefaultMaxAttendees
	case r.MaxAttendees < 0 || r.MaxAttendees > MaxMaxAttendees:
		return r, invalid("Rules.MaxAttendees %d: must be in [1, %d], or 0 for the default", r.MaxAttendees, MaxMaxAttendees)
	}
	if r.Attendance >= AttendNoAnswer<<1 {
		return r, invalid("Rules.Attendance %d: unknown bits (at most %d)", r.Attendance, AttendNoAnswer<<1-1)
	}
	return r, nil
}

// StoreConfig configures a [Store]. The zero value is ready to use.
type StoreConfig struct {
	// Schema is the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string
	// Rules decide which events count as contact.
	Rules Rules
	// Now is the clock ApplyInteractions' time is checked against and
	// UnmatchedAttendees judges "ended" by. nil means time.Now.
	Now func() time.Time
}

// A Store holds a user's synced calendar events and turns meetings into
// last-contact dates. Every method names the user and reads or writes
// only that user's rows, through indexes that lead with the user. It is
// safe for concurrent use. Build it with NewStore: the zero Store is not
// usable.
type Store struct {
	db     kith.DB
	pool   kith.Beginner // nil when db is a host's transaction
	schema string
	q      queries
	rules  Rules
	now    func() time.Time
}

// NewStore returns a Store over db: a pool (*sql.DB, *sqlx.DB, where
// ApplyInteractions runs its own transaction), or a host's transaction
// (*sql.Tx, *sqlx.Tx, which every method joins). It validates cfg (errors
// wrap ErrInvalid and name the field) and does not touch the database;
// run kith.Migrate first. The Store's first statement checks the schema
// once (kith.CheckSchema).
func NewStore(db kith.DB, cfg StoreConfig) (*Store, error) {
	if err := argcheck.Handle(db); err != nil {
		return nil, invalid("%v", err)
	}
	schema, err := dbschema.Name(cfg.Schema)
	if err != nil {
		return nil, invalid("StoreConfig.Schema: %v", err)
	}
	rules, err := cfg.Rules.check()
	if err != nil {
		return nil, err
	}
	s := &Store{schema: schema, q: newQueries(schema), rules: rules, now: cfg.Now}
	if b, ok := db.(kith.Beginner); ok {
		s.pool = schemaguard.Beginner(b, schema)
		s.db = s.pool
	} else {
		s.db = schemaguard.DB(db, schema)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// selfEmails returns the normalized addresses of Rules.SelfEmails.
func (s *Store) selfEmails(ctx context.Context, userID uuid.UUID) ([]string, error) {
	out := []string{}
	if s.rules.SelfEmails == nil {
		return out, nil
	}
	emails, err := s.rules.SelfEmails(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("calendar: Rules.SelfEmails of user %s: %w", userID, err)
	}
	for _, e := range emails {
		if k, err := contacts.NormalizeEmail(e); err == nil {
			out = append(out, k)
		}
	}
	return out, nil
}
