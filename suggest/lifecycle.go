package suggest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// Pending returns userID's pending suggestions, best first: the set the
// last committed Generate wrote, minus those resolved since. It reads one
// committed state: never half of a run's set. Names, last-contact dates
// and frequencies are the contacts' current ones.
func (g *Generator) Pending(ctx context.Context, userID uuid.UUID) ([]Suggestion, error) {
	rows, err := g.db.QueryContext(ctx, g.q.pending, userID)
	if err != nil {
		return nil, fmt.Errorf("suggest: pending: %w", err)
	}
	defer rows.Close()
	var out []Suggestion
	for rows.Next() {
		var s Suggestion
		var due, last sql.NullTime
		var freq string
		if err := rows.Scan(&s.ID, &s.ContactID, &s.Name, &s.Rank, &s.Score, &s.Reason, &due, &s.GeneratedAt, &last, &freq); err != nil {
			return nil, fmt.Errorf("suggest: pending: %w", err)
		}
		if due.Valid {
			s.DueSince = &due.Time
		}
		if last.Valid {
			s.LastContactDate = &last.Time
		}
		s.Frequency = contacts.Frequency(freq)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("suggest: pending: %w", err)
	}
	return out, nil
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
		return fmt.Errorf("suggest: accept %s: %w", id, err)
	}
	return nil
}

// Dismiss resolves the pending suggestion id as dismissed: its contact is
// not suggested again until Config.DismissCoolDown has passed. Errors as
// for Accept.
func (g *Generator) Dismiss(ctx context.Context, userID, id uuid.UUID) error {
	if err := g.resolve(ctx, userID, id, "dismissed", g.now(), nil, nil); err != nil {
		return fmt.Errorf("suggest: dismiss %s: %w", id, err)
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
		return fmt.Errorf("suggest: snooze %s: %w", id, invalid("snooze until %s is not after now (%s)", until.Format(time.RFC3339), now.Format(time.RFC3339)))
	}
	if err := g.resolve(ctx, userID, id, "snoozed", now, &until, nil); err != nil {
		return fmt.Errorf("suggest: snooze %s: %w", id, err)
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
