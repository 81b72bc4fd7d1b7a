package suggest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/pgarray"
)

// Pending returns userID's pending suggestions as they stand now in the
// user's calendar (loc; nil means UTC), best first.
//
// It starts from the set the last committed Generate wrote, minus those
// resolved since, and reads every contact as it is now, in the same query
// (one join through the user's indexes): a suggestion whose contact was
// archived or deleted, marked contacted, or given a frequency under which
// it is no longer due is not returned, whether or not Generate has run
// since. The others are re-scored and re-described with the contact's
// current name, last contact, frequency and groups at the Generator's
// clock, so the reason, DueSince and Score never contradict the contact,
// and Rank is renumbered 1, 2, ... in the ranking's order. ID and
// GeneratedAt are the stored suggestion's. It reads one committed state:
// never half of a run's set.
func (g *Generator) Pending(ctx context.Context, userID uuid.UUID, loc *time.Location) ([]Suggestion, error) {
	if err := checkUser(userID); err != nil {
		return nil, err
	}
	cal := NewCalendar(g.now(), loc)
	rows, err := g.db.QueryContext(ctx, g.q.pending, userID)
	if err != nil {
		return nil, fail(err, "pending")
	}
	defer rows.Close()
	type row struct {
		cand        candidate
		id          uuid.UUID
		generatedAt time.Time
	}
	var kept []row
	for rows.Next() {
		var r row
		m, err := scanMinimal(rows, &r.id, &r.generatedAt)
		if err != nil {
			return nil, fail(err, "pending")
		}
		score, ok := g.scorer.Score(m, cal)
		if !ok || score != score {
			continue // no longer due
		}
		r.cand = newCandidate(m, score)
		kept = append(kept, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "pending")
	}
	slices.SortFunc(kept, func(a, b row) int {
		if better(&a.cand, &b.cand) {
			return -1
		}
		return 1
	})
	out := make([]Suggestion, len(kept))
	for i := range kept {
		out[i] = g.suggestion(&kept[i].cand, i+1, cal, kept[i].generatedAt)
		out[i].ID = kept[i].id
	}
	return out, nil
}

// suggestion describes a ranked candidate in cal.
func (g *Generator) suggestion(cand *candidate, rank int, cal *Calendar, generatedAt time.Time) Suggestion {
	c := &cand.c
	return Suggestion{
		ContactID: c.ID, Name: c.Name, Rank: rank, Score: cand.score,
		Reason:   cleanReason(g.scorer.Reason(*c, cal)),
		DueSince: cal.Due(*c).Date, LastContactDate: c.LastContactDate, Frequency: c.Frequency,
		GeneratedAt: generatedAt,
	}
}

// scanMinimal scans the columns id, name, last_contact_date, frequency,
// group_ids::text[], archived, after lead.
func scanMinimal(rows *sql.Rows, lead ...any) (contacts.MinimalContact, error) {
	var m contacts.MinimalContact
	var last sql.NullTime
	var freq string
	var groups pgarray.Strings
	if err := rows.Scan(append(lead, &m.ID, &m.Name, &last, &freq, &groups, &m.Archived)...); err != nil {
		return m, err
	}
	if last.Valid {
		t := last.Time
		m.LastContactDate = &t
	}
	m.Frequency = contacts.Frequency(freq)
	if len(groups) > 0 {
		m.GroupIDs = make([]uuid.UUID, len(groups))
		for i, s := range groups {
			id, err := uuid.Parse(s)
			if err != nil {
				return m, err
			}
			m.GroupIDs[i] = id
		}
	}
	return m, nil
}

// Accept records that the user acted on the pending suggestion id: the
// suggestion is resolved as accepted and its contact is marked contacted
// now (through contacts.Store.MarkContacted, so its last contact only
// moves forward), in one transaction. An unknown id, or another user's, is
// ErrNotFound; a suggestion already resolved is ErrNotPending.
func (g *Generator) Accept(ctx context.Context, userID, id uuid.UUID) error {
	now := g.now()
	err := g.resolve(ctx, userID, id, "accepted", now, nil, func(tx *sql.Tx, contactID uuid.UUID) error {
		store, err := contacts.NewStore(tx, contacts.Config{Schema: g.schema})
		if err != nil {
			return err
		}
		_, err = store.MarkContacted(ctx, userID, []uuid.UUID{contactID}, now)
		return err
	})
	if err != nil {
		return fail(err, "accept %s", id)
	}
	return nil
}

// Dismiss resolves the pending suggestion id as dismissed: its contact is
// not suggested again until Config.DismissCoolDown has passed. Errors as
// for Accept.
func (g *Generator) Dismiss(ctx context.Context, userID, id uuid.UUID) error {
	if err := g.resolve(ctx, userID, id, "dismissed", g.now(), nil, nil); err != nil {
		return fail(err, "dismiss %s", id)
	}
	return nil
}

// Snooze resolves the pending suggestion id as snoozed: its contact is not
// suggested again before until, which must lie in the future (else an
// error wrapping ErrInvalid, and nothing changes). Other errors as for
// Accept.
func (g *Generator) Snooze(ctx context.Context, userID, id uuid.UUID, until time.Time) error {
	now := g.now()
	if until.IsZero() || !until.After(now) {
		return fail(invalid("until %s must be after now (%s)", until.Format(time.RFC3339), now.Format(time.RFC3339)), "snooze %s", id)
	}
	if err := g.resolve(ctx, userID, id, "snoozed", now, &until, nil); err != nil {
		return fail(err, "snooze %s", id)
	}
	return nil
}

// resolve moves a pending suggestion to status under the user's lock, so
// it is ordered with respect to every Generate write, then runs then (if
// set) in the same transaction.
func (g *Generator) resolve(ctx context.Context, userID, id uuid.UUID, status string, now time.Time, until *time.Time,
	then func(tx *sql.Tx, contactID uuid.UUID) error) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := g.lockUser(ctx, tx, userID); err != nil {
		return err
	}
	var contactID uuid.UUID
	err = tx.QueryRowContext(ctx, g.q.resolve, userID, id, status, now, until).Scan(&contactID)
	if errors.Is(err, sql.ErrNoRows) {
		var current string
		switch err := tx.QueryRowContext(ctx, g.q.status, userID, id).Scan(&current); {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		}
		return fmt.Errorf("%w (it is %s)", ErrNotPending, current)
	}
	if err != nil {
		return err
	}
	if then != nil {
		if err := then(tx, contactID); err != nil {
			return err
		}
	}
	return tx.Commit()
}
