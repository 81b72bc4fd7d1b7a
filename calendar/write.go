package calendar

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/google/uuid"
)

// WriteOptions configures one WriteEvents call. The zero value is a page
// of an incremental pass.
type WriteOptions struct {
	// Pass is the number BeginFullPass returned when the page belongs to a
	// full pass: every event of the page, changed or not, is stamped with
	// it, so that EndFullPass keeps it. 0 on an incremental pass.
	Pass int64
}

// WriteResult counts what WriteEvents did with a page.
type WriteResult struct {
	Inserted  int // events stored for the first time
	Updated   int // stored events whose etag changed (or had none): rewritten
	Unchanged int // stored events with the same etag: only stamped with the pass
	Deleted   int // stored events removed by the page's cancelled entries
	Cancelled int // cancelled entries in the page (deleted or never stored)
}

// WriteEvents writes one page of calendarID's events for userID in one
// statement: new events are inserted and changed ones (a different or no
// etag) rewritten with their attendees; cancelled entries delete what
// they name (an instance of a recurring series removes that instance
// only; a cancelled series or single event removes itself and its stored
// instances); an entry repeated in a page counts once, the last one
// winning. The calendar is recorded for the user if it is new.
//
// Only attendees who can count for an interaction are stored: people
// other than the calendar's owner (the Self flag), not rooms or resources,
// not groups, who did not decline, with a valid address (normalized as
// contacts.NormalizeEmail), once per address. Writing an event that ended
// before the user's interaction watermark moves the watermark back to it,
// so the next ApplyInteractions applies it: history synced late still
// moves last-contact dates forward.
//
// Every event is checked first; an invalid one refuses the page with an
// error wrapping ErrInvalid that names its position and field (never a
// value) and nothing is written. Pages are written under one lock order
// (by event ID). Run the pages of one calendar one at a time (the Syncer
// holds a lock per calendar).
func (s *Store) WriteEvents(ctx context.Context, userID uuid.UUID, calendarID string, events []Event, opts WriteOptions) (WriteResult, error) {
	if err := checkUser(userID); err != nil {
		return WriteResult{}, err
	}
	if err := checkID("calendar ID", calendarID); err != nil {
		return WriteResult{}, err
	}
	if opts.Pass < 0 {
		return WriteResult{}, invalid("WriteOptions.Pass %d: must be >= 0", opts.Pass)
	}
	rs, err := rows(events)
	if err != nil {
		return WriteResult{}, err
	}
	var res WriteResult
	for _, r := range rs {
		if r.Status == StatusCancelled {
			res.Cancelled++
		}
	}
	if len(rs) == 0 {
		return res, nil
	}
	payload, err := json.Marshal(rs)
	if err != nil {
		return WriteResult{}, fail(err, "write events: encode page")
	}
	var ins, upd, del, ups, restamp, wm int
	err = s.db.QueryRowContext(ctx, s.q.writeEvents, userID, calendarID, string(payload), opts.Pass).
		Scan(&ins, &upd, &del, &ups, &restamp, &wm)
	if err != nil {
		return WriteResult{}, fail(err, "write %d events of user %s", len(rs), userID)
	}
	res.Inserted, res.Updated, res.Deleted = ins, upd, del
	res.Unchanged = len(rs) - res.Cancelled - ins - upd
	return res, nil
}

// BeginFullPass starts a full pass of calendarID's events for userID and
// returns its number, to give every WriteEvents of the pass (as
// WriteOptions.Pass) and then EndFullPass. The calendar is recorded for
// the user if it is new.
func (s *Store) BeginFullPass(ctx context.Context, userID uuid.UUID, calendarID string) (int64, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	if err := checkID("calendar ID", calendarID); err != nil {
		return 0, err
	}
	var pass int64
	if err := s.db.QueryRowContext(ctx, s.q.beginFullPass, userID, calendarID).Scan(&pass); err != nil {
		return 0, fail(err, "begin full pass of user %s", userID)
	}
	return pass, nil
}

// EndFullPass ends full pass number pass of calendarID for userID: it
// deletes the calendar's stored events the pass did not return (written
// by no WriteEvents with this pass), and returns how many. Call it only
// after the last page of the pass was written, in the same transaction
// as that page and the new sync token: a pass that fails part way never
// calls it, so it deletes nothing. If a later pass of the calendar began
// meanwhile, it deletes nothing and returns 0. A pass that BeginFullPass
// never returned for this user and calendar (a number beyond the
// calendar's latest pass, or a calendar with no pass at all) is an error
// wrapping ErrInvalid, and nothing is deleted.
//
// Deleted events never move a last-contact date back: what they applied
// stays applied.
func (s *Store) EndFullPass(ctx context.Context, userID uuid.UUID, calendarID string, pass int64) (int, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	if err := checkID("calendar ID", calendarID); err != nil {
		return 0, err
	}
	if pass <= 0 {
		return 0, invalid("pass %d: must be > 0 (from BeginFullPass)", pass)
	}
	var latest sql.NullInt64
	var n int
	if err := s.db.QueryRowContext(ctx, s.q.endFullPass, userID, calendarID, pass).Scan(&latest, &n); err != nil {
		return 0, fail(err, "end full pass of user %s", userID)
	}
	if !latest.Valid || latest.Int64 < pass {
		return 0, invalid("pass %d: not begun for this calendar of user %s (latest pass %d; BeginFullPass numbers them)",
			pass, userID, latest.Int64)
	}
	return n, nil
}
