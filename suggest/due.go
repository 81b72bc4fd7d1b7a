package suggest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/pgarray"
)

// zoneName is the name recorded for a run's zone.
func zoneName(loc *time.Location) string {
	if loc == time.UTC {
		return ""
	}
	n := loc.String()
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// NextDue returns where the contact contactID of userID stands today in
// the user's calendar (loc; nil means UTC): the local date of its last
// contact, the local date it is due from, and whether it is due now, as
// Generate computes them. It is one primary-key read, for a contact screen
// ("next catch-up: Tue 14 April"). Snoozes and dismissals are not taken
// into account. An unknown contact, or another user's, is ErrNotFound.
//
// A host that already holds the contact can ask the calendar directly:
// NewCalendar(time.Now(), loc).Due(c.Minimal()).
func (g *Generator) NextDue(ctx context.Context, userID, contactID uuid.UUID, loc *time.Location) (Due, error) {
	if err := checkUser(userID); err != nil {
		return Due{}, err
	}
	rows, err := g.db.QueryContext(ctx, g.q.minimal, userID, contactID)
	if err != nil {
		return Due{}, fmt.Errorf("suggest: next due of contact %s: %w", contactID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Due{}, fmt.Errorf("suggest: next due of contact %s: %w", contactID, err)
		}
		return Due{}, fmt.Errorf("%w: contact %s", ErrNotFound, contactID)
	}
	m, err := scanMinimal(rows)
	if err != nil {
		return Due{}, fmt.Errorf("suggest: next due of contact %s: %w", contactID, err)
	}
	return NewCalendar(g.now(), loc).Due(m), nil
}

// DueCounts are how many of a user's contacts are due, by local date.
type DueCounts struct {
	// Today counts contacts due today or earlier (never-contacted ones
	// with a frequency included): what a run may suggest now.
	Today int64
	// Week counts contacts due within the 7 days starting today (Today
	// included).
	Week int64
}

// DueCounts counts userID's contacts that are due today and within the
// week starting today in the user's calendar (loc; nil means UTC), without
// generating: for a badge or a digest. It uses the same calendar as
// Generate. Archived contacts, and contacts hidden now by a snooze or a
// dismissal cool-down, are not counted. The cost is one index-only scan of
// the user's contacts in SQL (no rows leave the server); no zone arithmetic
// runs in SQL, so PostgreSQL's time zone data does not matter.
func (g *Generator) DueCounts(ctx context.Context, userID uuid.UUID, loc *time.Location) (DueCounts, error) {
	if err := checkUser(userID); err != nil {
		return DueCounts{}, err
	}
	now := g.now()
	cal := NewCalendar(now, loc)
	// A contact last seen on day L is due by day D iff dueDay(L) <= D iff
	// L <= latest(D) iff its last contact is before the start of the day
	// after latest(D).
	today := make(pgarray.Strings, len(steps))
	week := make(pgarray.Strings, len(steps))
	freqs := make(pgarray.Strings, len(steps))
	for fi := range steps {
		freqs[fi] = string(frequencyAt(fi))
		today[fi] = dateOfDay(cal.dueBy[fi] + 1).Start(cal.loc).UTC().Format(time.RFC3339Nano)
		week[fi] = dateOfDay(cal.latestDueBy(cal.today+6, fi) + 1).Start(cal.loc).UTC().Format(time.RFC3339Nano)
	}
	var c DueCounts
	err := g.db.QueryRowContext(ctx, g.q.dueCounts, userID, today, week, freqs, now, now.Add(-g.coolDown)).Scan(&c.Today, &c.Week)
	if errors.Is(err, sql.ErrNoRows) {
		return DueCounts{}, nil
	}
	if err != nil {
		return DueCounts{}, fmt.Errorf("suggest: due counts for user %s: %w", userID, err)
	}
	return c, nil
}

// frequencyAt is the frequency of index fi in steps.
func frequencyAt(fi int) contacts.Frequency {
	return [...]contacts.Frequency{
		contacts.FrequencyWeekly, contacts.FrequencyBiweekly, contacts.FrequencyMonthly,
		contacts.FrequencyQuarterly, contacts.FrequencyBiannual, contacts.FrequencyAnnual,
	}[fi]
}
