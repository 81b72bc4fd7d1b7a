package calendar

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/pgerr"
)

// ApplyResult counts what ApplyInteractions did.
type ApplyResult struct {
	// Until is the time interactions are now applied up to.
	Until time.Time
	// Events is the number of stored events that ended since the last
	// application and count under the Rules; Meetings the distinct
	// meetings among them (one meeting held in two calendars, same iCalUID
	// and start, is one).
	Events, Meetings int
	// Matched is the number of contacts that met the user in those
	// events; Moved those whose last-contact date moved forward.
	Matched, Moved int
}

// ApplyInteractions moves userID's contacts' last-contact dates forward
// to the end of the latest counting meeting (see Rules) they attended
// that ended after the user's watermark and at or before now, then moves
// the watermark to now. A date only ever moves forward (a contact met
// more recently, by a meeting or by hand, keeps its date), and each
// contact that moves gets a new Version, as contacts.Store.MarkContacted
// does. Events written after the watermark passed their end (history
// synced late, a calendar added later) moved the watermark back when they
// were written, so they are applied too, whatever order they arrive in. A
// deleted or cancelled event never moves a date back: what it applied
// stays applied.
//
// The matching is one statement joining the events, their attendees and
// the contacts' addresses (kith.contact_emails, every address of a
// contact), each by an index leading with the user, after a statement
// locking the user's watermark; both run in one transaction (the Store's
// own over a pool, else the host's). Concurrent calls for one user take
// turns. now must not be later than the Store's clock plus
// contacts.DefaultMaxFutureSkew: meetings that have not ended are not
// contact yet.
func (s *Store) ApplyInteractions(ctx context.Context, userID uuid.UUID, now time.Time) (ApplyResult, error) {
	if err := checkUser(userID); err != nil {
		return ApplyResult{}, err
	}
	if now.IsZero() {
		return ApplyResult{}, invalid("now: zero time")
	}
	if limit := s.now().Add(contacts.DefaultMaxFutureSkew); now.After(limit) {
		return ApplyResult{}, invalid("now %s: later than the clock plus %s", now.UTC().Format(time.RFC3339), readableDuration(contacts.DefaultMaxFutureSkew))
	}
	self, err := s.selfEmails(ctx, userID)
	if err != nil {
		return ApplyResult{}, err
	}
	res := ApplyResult{Until: now}
	args := []any{userID, now, s.rules.Attendance.organizer(), pgarray.Strings(s.rules.Attendance.responses()),
		s.rules.CountAllDay, s.rules.MaxAttendees, pgarray.Strings(self)}
	run := func(db kith.DB) error {
		if _, err := db.ExecContext(ctx, s.q.lockWatermark, userID); err != nil {
			return err
		}
		var marked int
		return db.QueryRowContext(ctx, s.q.applyInteractions, args...).
			Scan(&res.Events, &res.Meetings, &res.Matched, &res.Moved, &marked)
	}
	if s.pool == nil {
		err = run(s.db)
	} else {
		for attempt := 1; ; attempt++ {
			err = inTx(ctx, s.pool, run)
			if err == nil || attempt > 2 || ctx.Err() != nil || !pgerr.Is(err, pgerr.DeadlockDetected, pgerr.SerializationFailure) {
				break
			}
		}
	}
	if err != nil {
		return ApplyResult{}, fail(err, "apply interactions of user %s", userID)
	}
	return res, nil
}

// inTx runs fn in a transaction of db, committed when fn succeeds.
func inTx(ctx context.Context, db kith.Beginner, fn func(kith.DB) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Defaults and bounds of UnmatchedOptions.
const (
	DefaultUnmatchedLimit = 50
	MaxUnmatchedLimit     = 1000
)

// UnmatchedOptions configures one UnmatchedAttendees call. The zero value
// is the first page of DefaultUnmatchedLimit.
type UnmatchedOptions struct {
	// Limit is the page size: 0 means DefaultUnmatchedLimit, at most
	// MaxUnmatchedLimit.
	Limit int
	// PageToken is UnmatchedPage.NextPageToken of the previous page, ""
	// for the first. A token is bound to its user.
	PageToken string
}

// An UnmatchedAttendee is someone the user met who is not a contact.
type UnmatchedAttendee struct {
	// Email is the normalized address; Name the display name an
	// invitation gave it ("" when none did).
	Email, Name string
	// Meetings is the number of distinct counting meetings the user had
	// with them; LastMet the end of the latest.
	Meetings int
	LastMet  time.Time
}

// UnmatchedPage is one page of UnmatchedAttendees.
type UnmatchedPage struct {
	// Attendees, most meetings first, then by address. Never nil.
	Attendees []UnmatchedAttendee
	// NextPageToken gets the next page, "" when this page is the last.
	NextPageToken string
}

// unmatchedToken is the position after a page, and the time the first
// page was judged at (so one walk of pages sees one set of meetings).
type unmatchedToken struct {
	User     uuid.UUID `json:"u"`
	AsOf     time.Time `json:"t"`
	Meetings int       `json:"m"`
	Email    string    `json:"e"`
}

// UnmatchedAttendees lists the people userID met in meetings that count
// as contact (the same Rules as ApplyInteractions, the meeting ended by
// the Store's clock) and whose address is no contact's address: the
// candidates for import, ranked by the number of meetings. It reads only
// the user's rows; a page costs the user's stored meetings, not the page.
func (s *Store) UnmatchedAttendees(ctx context.Context, userID uuid.UUID, opts UnmatchedOptions) (UnmatchedPage, error) {
	if err := checkUser(userID); err != nil {
		return UnmatchedPage{}, err
	}
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = DefaultUnmatchedLimit
	case limit < 0 || limit > MaxUnmatchedLimit:
		return UnmatchedPage{}, invalid("UnmatchedOptions.Limit %d: must be in [1, %d], or 0 for the default", limit, MaxUnmatchedLimit)
	}
	tok := unmatchedToken{User: userID, AsOf: s.now()}
	if opts.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.PageToken)
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil || tok.User != userID || tok.Meetings <= 0 || tok.AsOf.IsZero() {
			return UnmatchedPage{}, invalid("UnmatchedOptions.PageToken: not a token of this user's list")
		}
	}
	self, err := s.selfEmails(ctx, userID)
	if err != nil {
		return UnmatchedPage{}, err
	}
	rows, err := s.db.QueryContext(ctx, s.q.unmatched, userID, tok.AsOf, s.rules.Attendance.organizer(),
		pgarray.Strings(s.rules.Attendance.responses()), s.rules.CountAllDay, s.rules.MaxAttendees, pgarray.Strings(self),
		tok.Meetings, tok.Email, limit+1)
	if err != nil {
		return UnmatchedPage{}, fail(err, "unmatched attendees of user %s", userID)
	}
	defer rows.Close()
	page := UnmatchedPage{Attendees: []UnmatchedAttendee{}}
	for rows.Next() {
		var a UnmatchedAttendee
		if err := rows.Scan(&a.Email, &a.Name, &a.Meetings, &a.LastMet); err != nil {
			return UnmatchedPage{}, fail(err, "unmatched attendees of user %s", userID)
		}
		page.Attendees = append(page.Attendees, a)
	}
	if err := rows.Err(); err != nil {
		return UnmatchedPage{}, fail(err, "unmatched attendees of user %s", userID)
	}
	if len(page.Attendees) > limit {
		page.Attendees = page.Attendees[:limit]
		last := page.Attendees[limit-1]
		next := unmatchedToken{User: userID, AsOf: tok.AsOf, Meetings: last.Meetings, Email: last.Email}
		b, err := json.Marshal(next)
		if err != nil {
			return UnmatchedPage{}, fail(err, "unmatched attendees: encode page token")
		}
		page.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}
