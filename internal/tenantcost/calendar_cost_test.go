package tenantcost_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/internal/tenantcost"
)

// calendarEvents is the measured user's seeded event count, each with
// three stored attendees (two of them contacts); the neighbour has
// calendarNeighbourEvents with the same addresses. (DeleteUser's batches
// walk each table's key from where the batch before stopped, so the
// DeleteUser step's per-row budget would hold for more: see
// TestDeleteUserReadsEachEntryOnce.)
const (
	calendarEvents          = 300
	calendarNeighbourEvents = 50_000
)

type costStep = struct {
	name   string
	budget tenantcost.Budget
	op     func(ctx context.Context) error
}

// calendarSteps seeds calendar events for the neighbour (with the same
// attendee addresses as the user's contacts, which get their email keys)
// and for the user, outside any measurement, and returns a step for every
// operation of calendar.Store.
func calendarSteps(t *testing.T, f *fixture) []costStep {
	t.Helper()
	for _, stmt := range []string{
		// Seeded contacts have no email keys: give the user's their
		// primary address as one, and put 20,000 of the neighbour's
		// addresses (the same p<i>@example.com) straight into
		// kith.contact_emails (keying all 200,000 through the trigger
		// takes minutes).
		`UPDATE kith.contacts SET email_keys = ARRAY[email] WHERE user_id = $1 AND email <> ''`,
		`INSERT INTO kith.contact_emails (user_id, email, contact_id)
		 SELECT c.user_id, c.email, c.id FROM kith.contacts c
		 WHERE c.user_id = (SELECT user_id FROM kith.contacts WHERE user_id <> $1 LIMIT 1)
		   AND c.email <> ''
		 ORDER BY c.id LIMIT 20000`,
		`INSERT INTO kith.calendars (user_id, calendar_id, owner_email, is_primary)
		 SELECT user_id, 'primary', 'me' || left(user_id::text, 8) || '@example.com', true
		 FROM (SELECT user_id FROM kith.contacts GROUP BY user_id) u`,
		// Other users' calendars, so the table is not a handful of rows
		// a plan would rather scan.
		`INSERT INTO kith.calendars (user_id, calendar_id) SELECT gen_random_uuid(), 'primary' FROM generate_series(1, 20000)`,
		`INSERT INTO kith.calendar_events (user_id, calendar_id, event_id, ical_uid, status, start_at, end_at,
		     self_organizer, self_response, attendee_count, etag)
		 SELECT u.user_id, 'primary', 'e' || i, 'e' || i || '@google.com', 'confirmed',
		        now() - (i % 300) * interval '1 day' - interval '2 hours', now() - (i % 300) * interval '1 day' - interval '1 hour',
		        true, 'accepted', 4, '"1"'
		 FROM (SELECT user_id, count(*) AS n FROM kith.contacts GROUP BY user_id) u,
		      generate_series(1, CASE WHEN u.user_id = $1 THEN $2::int ELSE $3::int END) i
		 WHERE u.user_id = $1 OR u.n > $2::int`,
		`UPDATE kith.calendar_events e SET attendee_names = '{"","",""}',
		     attendee_emails = ARRAY['p' || (substr(e.event_id, 2)::int % 1000 + 1) || '@example.com',
		                             'p' || ((substr(e.event_id, 2)::int + 1) % 1000 + 1) || '@example.com',
		                             'stranger' || (substr(e.event_id, 2)::int % 50) || '@other.example']`,
		`VACUUM (ANALYZE) kith.contacts, kith.contact_emails, kith.calendars, kith.calendar_events`,
	} {
		var args []any
		for i, v := range []any{f.user, calendarEvents, calendarNeighbourEvents} {
			if strings.Contains(stmt, fmt.Sprintf("$%d", i+1)) {
				args = append(args, v)
			}
		}
		f.exec(t, stmt, args...)
	}
	st, err := calendar.NewStore(f.conn, calendar.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	u := f.user
	page := func(prefix string, n int, etag string) []calendar.Event {
		evs := make([]calendar.Event, n)
		end := time.Now().Add(-time.Hour)
		for i := range evs {
			evs[i] = calendar.Event{
				ID: fmt.Sprintf("%s%d", prefix, i), ICalUID: fmt.Sprintf("%s%d@google.com", prefix, i),
				Start: end.Add(-time.Hour), End: end, OrganizerSelf: true, ETag: etag,
				Attendees: []calendar.Attendee{
					{Email: "me@example.com", Self: true, ResponseStatus: "accepted"},
					{Email: fmt.Sprintf("p%d@example.com", i+1), ResponseStatus: "accepted"},
					{Email: fmt.Sprintf("%s-%d@other.example", etag[1:2], i), ResponseStatus: "accepted"},
				},
			}
		}
		return evs
	}
	var pass int64
	// Per event: its row (attendees included) and three indexes, the
	// foreign-key check.
	perEvent := func(n int64) tenantcost.Budget { return tenantcost.Budget{Blocks: 120*n + 100, Tuples: 20*n + 100} }
	return []costStep{
		{"Calendar.WriteEvents/insert", perEvent(100), func(ctx context.Context) error {
			res, err := st.WriteEvents(ctx, u, "team", page("t", 100, `"1"`), calendar.WriteOptions{})
			if err == nil && res.Inserted != 100 {
				err = fmt.Errorf("%+v", res)
			}
			return err
		}},
		{"Calendar.WriteEvents/update", perEvent(100), func(ctx context.Context) error {
			res, err := st.WriteEvents(ctx, u, "team", page("t", 100, `"2"`), calendar.WriteOptions{})
			if err == nil && res.Updated != 100 {
				err = fmt.Errorf("%+v", res)
			}
			return err
		}},
		{"Calendar.BeginFullPass", budgetRow, func(ctx context.Context) (err error) {
			pass, err = st.BeginFullPass(ctx, u, "team")
			return err
		}},
		{"Calendar.WriteEvents/restamp", perEvent(90), func(ctx context.Context) error {
			res, err := st.WriteEvents(ctx, u, "team", page("t", 90, `"2"`), calendar.WriteOptions{Pass: pass})
			if err == nil && res.Unchanged != 90 {
				err = fmt.Errorf("%+v", res)
			}
			return err
		}},
		{"Calendar.WriteEvents/cancel", perEvent(10), func(ctx context.Context) error {
			evs := make([]calendar.Event, 10)
			for i := range evs {
				evs[i] = calendar.Event{ID: fmt.Sprintf("t%d", i), Status: calendar.StatusCancelled}
			}
			res, err := st.WriteEvents(ctx, u, "team", evs, calendar.WriteOptions{Pass: pass})
			if err == nil && res.Deleted != 10 {
				err = fmt.Errorf("%+v", res)
			}
			return err
		}},
		{"Calendar.EndFullPass", perEvent(100), func(ctx context.Context) error {
			n, err := st.EndFullPass(ctx, u, "team", pass)
			if err == nil && n != 10 {
				err = fmt.Errorf("deleted %d, want 10", n)
			}
			return err
		}},
		{"Calendar.ApplyInteractions", perEvent(calendarEvents), func(ctx context.Context) error {
			res, err := st.ApplyInteractions(ctx, u, time.Now())
			if err == nil && (res.Events < calendarEvents || res.Matched < calendarEvents) {
				err = fmt.Errorf("%+v", res)
			}
			return err
		}},
		{"Calendar.UnmatchedAttendees", perEvent(calendarEvents), func(ctx context.Context) error {
			p, err := st.UnmatchedAttendees(ctx, u, calendar.UnmatchedOptions{Limit: 20})
			if err == nil && len(p.Attendees) != 20 {
				err = fmt.Errorf("%d unmatched", len(p.Attendees))
			}
			return err
		}},
	}
}
