package calendar

import "github.com/kithhq/kith/internal/dbschema"

// queries holds the Store's SQL, qualified for its schema once.
type queries struct {
	writeEvents, beginFullPass, endFullPass   string
	lockWatermark, applyInteractions          string
	unmatched                                 string
	saveCalendars, unlistCalendars, calendars string
}

func newQueries(schema string) queries {
	q := queries{
		writeEvents:       writeEventsSQL,
		beginFullPass:     beginFullPassSQL,
		endFullPass:       endFullPassSQL,
		lockWatermark:     lockWatermarkSQL,
		applyInteractions: applyInteractionsSQL,
		unmatched:         unmatchedSQL,
		saveCalendars:     saveCalendarsSQL,
		unlistCalendars:   unlistCalendarsSQL,
		calendars:         calendarsSQL,
	}
	for _, p := range []*string{&q.writeEvents, &q.beginFullPass, &q.endFullPass, &q.lockWatermark, &q.applyInteractions,
		&q.unmatched, &q.saveCalendars, &q.unlistCalendars, &q.calendars} {
		*p = dbschema.Qualify(*p, schema)
	}
	return q
}

// writeEventsSQL writes one page of events of calendar $2 of user $1 ($3:
// the rows, sorted by event_id; $4: the full pass, 0 on an incremental
// pass). New events and events whose etag changed are written with their
// attendees (two arrays on the event row: no row per attendee, no
// foreign-key check per attendee); unchanged ones are only stamped with
// the pass; cancelled ones are deleted. The watermark moves
// back to just before the earliest end among the written events, so that
// ApplyInteractions applies history synced late (a missing watermark is
// created as -infinity: nothing applied yet); it is upserted on every
// write that wrote an event, which also orders this write after a running
// ApplyInteractions of the user (see lockWatermarkSQL).
//
// A page costs its own events, not the calendar's, whatever the planner's
// statistics say. On a first sync they have not seen the calendar yet
// (autovacuum analyzes the table well after the first pages) and put it
// at one row, and every plan that reads "the calendar's events, then
// filter" looks free. So: every stored event the page touches is found by
// one look-up of its key (or, for a cancelled series, of the series
// index) per entry, in a LATERAL subquery the planner cannot flatten
// (OFFSET 0); no other index can serve those look-ups (the end-time index
// is partial, migration 014); and the rows are then updated or deleted by
// the addresses the look-ups returned (a TID scan; the user and calendar
// are checked again "IS TRUE", a filter, not an index condition the
// planner could prefer to the addresses). Measured before: with
// "event_id = ANY (the page's IDs)" the planner read every stored event of
// the calendar and tested it against the page's 2,500 IDs (0.9-2.5 s of
// a page's write at 5,000-15,000 stored events, growing with every page);
// with per-entry look-ups and the end-time index usable, it read all the
// user's events once per entry (34 s for the second page).
const writeEventsSQL = `
WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(
        event_id text, ical_uid text, recurring_event_id text, status text,
        start_at timestamptz, end_at timestamptz, all_day boolean, start_date date, end_date date,
        organizer_email text, self_organizer boolean, self_response text, attendee_count integer,
        updated timestamptz, etag text, emails text[], names text[])
), cal AS (
    INSERT INTO kith.calendars (user_id, calendar_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
), live AS (
    SELECT * FROM incoming WHERE status <> 'cancelled'
), old AS MATERIALIZED (
    SELECT o.* FROM live l CROSS JOIN LATERAL (
        SELECT e.ctid AS row_id, e.event_id, e.etag, e.pass FROM kith.calendar_events e
        WHERE e.user_id = $1 AND e.calendar_id = $2 AND e.event_id = l.event_id
        OFFSET 0) o
), changed AS MATERIALIZED (
    SELECT l.*, o.event_id IS NULL AS is_new FROM live l LEFT JOIN old o USING (event_id)
    WHERE o.event_id IS NULL OR l.etag = '' OR o.etag <> l.etag
), restamp AS (
    UPDATE kith.calendar_events e SET pass = $4
    WHERE $4 > 0 AND e.ctid = ANY ((SELECT coalesce(array_agg(o.row_id), '{}') FROM old o JOIN live l USING (event_id)
                                    WHERE l.etag <> '' AND o.etag = l.etag AND o.pass <> $4)::tid[])
      AND (e.user_id = $1 AND e.calendar_id = $2) IS TRUE
    RETURNING 1
), ups AS (
    INSERT INTO kith.calendar_events AS e (user_id, calendar_id, event_id, ical_uid, recurring_event_id, status,
        start_at, end_at, all_day, start_date, end_date, organizer_email, self_organizer, self_response,
        attendee_count, attendee_emails, attendee_names, updated, etag, pass, synced_at)
    SELECT $1, $2, event_id, ical_uid, recurring_event_id, status, start_at, end_at, all_day, start_date, end_date,
        organizer_email, self_organizer, self_response, attendee_count, emails, names, updated, etag, $4, now()
    FROM changed ORDER BY event_id
    ON CONFLICT (user_id, calendar_id, event_id) DO UPDATE SET
        ical_uid = excluded.ical_uid, recurring_event_id = excluded.recurring_event_id, status = excluded.status,
        start_at = excluded.start_at, end_at = excluded.end_at, all_day = excluded.all_day,
        start_date = excluded.start_date, end_date = excluded.end_date, organizer_email = excluded.organizer_email,
        self_organizer = excluded.self_organizer, self_response = excluded.self_response,
        attendee_count = excluded.attendee_count, attendee_emails = excluded.attendee_emails,
        attendee_names = excluded.attendee_names, updated = excluded.updated, etag = excluded.etag,
        pass = CASE WHEN $4 > 0 THEN $4 ELSE e.pass END, synced_at = now()
    RETURNING 1
), gone AS MATERIALIZED (
    -- A cancelled entry removes its own event and, when it is not an
    -- instance itself, the stored instances of its series (the series
    -- index), except events the page itself brings back.
    SELECT DISTINCT g.row_id FROM incoming c CROSS JOIN LATERAL (
        SELECT e.ctid AS row_id, e.event_id FROM kith.calendar_events e
        WHERE e.user_id = $1 AND e.calendar_id = $2 AND e.event_id = c.event_id
        UNION ALL
        SELECT e.ctid, e.event_id FROM kith.calendar_events e
        WHERE c.recurring_event_id = '' AND e.user_id = $1 AND e.calendar_id = $2
          AND e.recurring_event_id = c.event_id AND e.recurring_event_id <> ''
        OFFSET 0) g
    WHERE c.status = 'cancelled' AND NOT EXISTS (SELECT 1 FROM live l WHERE l.event_id = g.event_id)
), cancelled AS (
    DELETE FROM kith.calendar_events e
    WHERE e.ctid = ANY ((SELECT coalesce(array_agg(row_id), '{}') FROM gone)::tid[])
      AND (e.user_id = $1 AND e.calendar_id = $2) IS TRUE
    RETURNING e.event_id
), lo AS (
    SELECT min(end_at) - interval '1 microsecond' AS t FROM changed HAVING count(*) > 0
), wm AS (
    INSERT INTO kith.calendar_watermarks AS w (user_id, applied_until)
    SELECT $1, '-infinity' FROM lo
    ON CONFLICT (user_id) DO UPDATE SET applied_until = least(w.applied_until, (SELECT t FROM lo)), updated_at = now()
    RETURNING 1
)
SELECT (SELECT count(*) FROM changed WHERE is_new), (SELECT count(*) FROM changed WHERE NOT is_new),
    (SELECT count(DISTINCT event_id) FROM cancelled), (SELECT count(*) FROM ups), (SELECT count(*) FROM restamp),
    (SELECT count(*) FROM wm)`

// beginFullPassSQL numbers a new full pass of calendar $2 of user $1.
const beginFullPassSQL = `
INSERT INTO kith.calendars AS c (user_id, calendar_id, full_pass) VALUES ($1, $2, 1)
ON CONFLICT (user_id, calendar_id) DO UPDATE SET full_pass = c.full_pass + 1, updated_at = now()
RETURNING full_pass`

// endFullPassSQL deletes the events of calendar $2 of user $1 that full
// pass $3 did not return, if $3 is still the calendar's latest pass, and
// returns the calendar's latest pass (NULL when the calendar is unknown)
// with the count.
const endFullPassSQL = `
WITH c AS (
    SELECT full_pass FROM kith.calendars WHERE user_id = $1 AND calendar_id = $2
), d AS (
    DELETE FROM kith.calendar_events e
    WHERE e.user_id = $1 AND e.calendar_id = $2 AND e.pass <> $3
      AND (SELECT full_pass FROM c) = $3
    RETURNING 1
)
SELECT (SELECT full_pass FROM c), (SELECT count(*) FROM d)`

// lockWatermarkSQL creates user $1's watermark if missing ("nothing
// applied yet") and locks it until the transaction ends. It runs as its
// own statement before applyInteractionsSQL so that the latter's snapshot
// is taken after the lock: a page write that stored an event and has not
// committed yet holds the lock (writeEventsSQL upserts the watermark), so
// it either commits first and its events are seen, or upserts the
// watermark after this transaction and moves it back over its events.
const lockWatermarkSQL = `
INSERT INTO kith.calendar_watermarks AS w (user_id, applied_until) VALUES ($1, '-infinity')
ON CONFLICT (user_id) DO UPDATE SET applied_until = w.applied_until`

// countsSQL is the condition for an event e to count ($3: the organizer
// counts, $4: the responses that count, $5: all-day events count, $6: at
// most this many attendees).
const countsSQL = `((e.self_organizer AND $3) OR e.self_response = ANY ($4::text[]))
      AND (NOT e.all_day OR $5) AND e.attendee_count <= $6`

// endIndexSQL is the predicate of the (user_id, end_at) index (migration
// 014), true of every stored event: a statement that reads events by end
// time states it so that it can use the index; the page write does not,
// so that its look-ups by key use the key.
const endIndexSQL = `e.end_at > '-infinity'`

// selfSQL is the user's own addresses: the owners of their calendars and
// the hook's ($7).
const selfSQL = `self AS (
    SELECT coalesce(array_agg(owner_email), '{}') || $7::text[] AS emails
    FROM kith.calendars WHERE user_id = $1 AND owner_email <> ''
)`

// applyInteractionsSQL applies user $1's events that ended after the
// watermark and at or before $2: every contact with an address among a
// counting event's attendees gets the latest such end as its last-contact
// date when that is later than its own (version bumped), then the
// watermark moves to $2. Contacts are locked in id order, like every
// other multi-contact write.
//
// The events come from the (user_id, end_at) index; their addresses are
// reduced to one row per address met (the latest end) before they meet
// kith.contact_emails' (user_id, email) key, so the join costs the
// distinct addresses, not the attendances; the distinct meetings are
// counted by hashing (a count(DISTINCT) of a row type sorts). Measured on
// 40,000 stored events over 20,000 contacts, re-applying all of them:
// 0.87-1.10 s of backend CPU with migration 012's attendee rows, 0.44-0.54
// s with this statement.
const applyInteractionsSQL = `
WITH ` + selfSQL + `, ev AS MATERIALIZED (
    SELECT e.end_at, e.attendee_emails, coalesce(nullif(e.ical_uid, ''), e.calendar_id || '/' || e.event_id) AS uid, e.start_at
    FROM kith.calendar_events e
    WHERE e.user_id = $1 AND ` + endIndexSQL + `
      AND e.end_at > (SELECT applied_until FROM kith.calendar_watermarks WHERE user_id = $1)
      AND e.end_at <= $2
      AND ` + countsSQL + `
), met AS MATERIALIZED (
    SELECT a.email, max(ev.end_at) AS at
    FROM ev CROSS JOIN LATERAL unnest(ev.attendee_emails) AS a(email)
    WHERE a.email <> ALL ((SELECT emails FROM self)::text[])
    GROUP BY a.email
), hit AS MATERIALIZED (
    SELECT ce.contact_id, max(m.at) AS at
    FROM met m JOIN kith.contact_emails ce ON ce.user_id = $1 AND ce.email = m.email
    GROUP BY ce.contact_id
), locked AS (
    SELECT c.id, h.at FROM kith.contacts c JOIN hit h ON h.contact_id = c.id
    WHERE c.user_id = $1 AND (c.last_contact_date IS NULL OR c.last_contact_date < h.at)
    ORDER BY c.id
    FOR UPDATE OF c
), moved AS (
    UPDATE kith.contacts c SET last_contact_date = l.at, version = c.version + 1, updated_at = now()
    FROM locked l
    WHERE c.user_id = $1 AND c.id = l.id AND (c.last_contact_date IS NULL OR c.last_contact_date < l.at)
    RETURNING 1
), mark AS (
    UPDATE kith.calendar_watermarks SET applied_until = greatest(applied_until, $2), updated_at = now()
    WHERE user_id = $1
    RETURNING 1
)
SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM (SELECT DISTINCT uid, start_at FROM ev) d),
    (SELECT count(*) FROM hit), (SELECT count(*) FROM moved), (SELECT count(*) FROM mark)`

// unmatchedSQL ranks the addresses user $1 met in counting events that
// ended at or before $2 and that no contact of theirs has, by the
// number of distinct meetings (one meeting in two calendars is one), then
// by address; $8/$9 are the last row of the previous page (meetings,
// email; $8 = 0 on the first page), $10 the page size.
const unmatchedSQL = `
WITH ` + selfSQL + `, m AS (
    SELECT a.email, max(a.name) AS name,
        count(DISTINCT (coalesce(nullif(e.ical_uid, ''), e.calendar_id || '/' || e.event_id), e.start_at)) AS meetings,
        max(e.end_at) AS last_met
    FROM kith.calendar_events e CROSS JOIN LATERAL unnest(e.attendee_emails, e.attendee_names) AS a(email, name)
    WHERE e.user_id = $1 AND ` + endIndexSQL + ` AND e.end_at <= $2 AND ` + countsSQL + `
      AND a.email <> ALL ((SELECT emails FROM self)::text[])
      AND NOT EXISTS (SELECT 1 FROM kith.contact_emails ce WHERE ce.user_id = $1 AND ce.email = a.email)
    GROUP BY a.email
)
SELECT email, name, meetings, last_met FROM m
WHERE $8 = 0 OR meetings < $8 OR (meetings = $8 AND email > $9)
ORDER BY meetings DESC, email
LIMIT $10`
