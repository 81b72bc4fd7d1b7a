package calendar

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/pgarray"
)

// A Calendar is one calendar of a user's list.
type Calendar struct {
	// ID is Google's calendar ID: the primary calendar's is the user's
	// address.
	ID string
	// Primary is true for the user's primary calendar (the one SyncUser
	// syncs when Config.Calendars is nil).
	Primary bool
	// AccessRole is RoleFreeBusyReader, RoleReader, RoleWriter or
	// RoleOwner; "" for a calendar that is no longer in the user's list
	// (its events stay stored; it is not synced).
	AccessRole string
}

// MaxCalendars is the most calendars one SaveCalendars call takes.
const MaxCalendars = 10_000

// SaveCalendars records calendars of userID's list (what calendarList
// gives), in one statement, and returns how many it wrote. A primary
// calendar's ID, when it is an address, becomes one of the user's own
// addresses: attendees with it are the user, never a contact.
func (s *Store) SaveCalendars(ctx context.Context, userID uuid.UUID, cals []Calendar) (int, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	if len(cals) > MaxCalendars {
		return 0, invalid("%d calendars, more than %d", len(cals), MaxCalendars)
	}
	type row struct {
		ID         string `json:"calendar_id"`
		Primary    bool   `json:"is_primary"`
		AccessRole string `json:"access_role"`
		Owner      string `json:"owner_email"`
	}
	rows := make([]row, 0, len(cals))
	at := map[string]int{}
	for i, c := range cals {
		if err := checkID("calendar ID", c.ID); err != nil {
			return 0, invalid("calendar %d: %s", i+1, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
		switch c.AccessRole {
		case "", RoleFreeBusyReader, RoleReader, RoleWriter, RoleOwner:
		default:
			return 0, invalid("calendar %d: AccessRole: unknown", i+1)
		}
		r := row{ID: c.ID, Primary: c.Primary, AccessRole: c.AccessRole}
		if c.Primary && !strings.HasSuffix(strings.ToLower(c.ID), groupDomain) {
			if k, err := contacts.NormalizeEmail(c.ID); err == nil {
				r.Owner = k
			}
		}
		if j, dup := at[c.ID]; dup {
			rows[j] = r
			continue
		}
		at[c.ID] = len(rows)
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return 0, fail(err, "save calendars: encode")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.q.saveCalendars, userID, string(payload)).Scan(&n); err != nil {
		return 0, fail(err, "save %d calendars of user %s", len(rows), userID)
	}
	return n, nil
}

// unlistOthers marks userID's listed calendars whose ID is not in ids as
// no longer listed, and returns how many.
func (s *Store) unlistOthers(ctx context.Context, userID uuid.UUID, ids []string) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q.unlistCalendars, userID, pgarray.Strings(nonNil(ids)))
	if err != nil {
		return 0, fail(err, "unlist calendars of user %s", userID)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Calendars returns userID's listed calendars (AccessRole not ""), by ID.
func (s *Store) Calendars(ctx context.Context, userID uuid.UUID) ([]Calendar, error) {
	if err := checkUser(userID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q.calendars, userID)
	if err != nil {
		return nil, fail(err, "calendars of user %s", userID)
	}
	defer rows.Close()
	out := []Calendar{}
	for rows.Next() {
		var c Calendar
		if err := rows.Scan(&c.ID, &c.Primary, &c.AccessRole); err != nil {
			return nil, fail(err, "calendars of user %s", userID)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "calendars of user %s", userID)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const saveCalendarsSQL = `
WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(calendar_id text, is_primary boolean, access_role text, owner_email text)
), up AS (
    INSERT INTO kith.calendars AS c (user_id, calendar_id, is_primary, access_role, owner_email)
    SELECT $1, calendar_id, is_primary, access_role, owner_email FROM incoming ORDER BY calendar_id
    ON CONFLICT (user_id, calendar_id) DO UPDATE SET is_primary = excluded.is_primary,
        access_role = excluded.access_role, owner_email = excluded.owner_email, updated_at = now()
    WHERE (c.is_primary, c.access_role, c.owner_email) IS DISTINCT FROM (excluded.is_primary, excluded.access_role, excluded.owner_email)
    RETURNING 1
)
SELECT count(*) FROM up`

const unlistCalendarsSQL = `
UPDATE kith.calendars SET access_role = '', updated_at = now()
WHERE user_id = $1 AND access_role <> '' AND calendar_id <> ALL ($2::text[])`

const calendarsSQL = `
SELECT calendar_id, is_primary, access_role FROM kith.calendars
WHERE user_id = $1 AND access_role <> '' ORDER BY calendar_id`
