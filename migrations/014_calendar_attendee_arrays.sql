-- kith 014: a calendar event's attendees live on the event, as two arrays,
-- and the events' end-time index can no longer stand in for their key
-- (package calendar).
--
-- Migration 012 kept one kith.calendar_attendees row per (event, address):
-- a page of 2,500 events wrote ~13,500 attendee rows, each into the heap
-- and two indexes, each with a foreign-key check on its event. Measured on
-- a calendar of 40,000 stored events (EXPLAIN (ANALYZE, BUFFERS) of one
-- page write, rolled back): the attendee insert and its checks were ~80%
-- of the statement (1.13 s of which 0.54 s the insert, 0.34 s the checks),
-- the same page with the addresses on the event 0.19 s. Nothing looks up
-- events by attendee: ApplyInteractions and UnmatchedAttendees read the
-- user's events by (user_id, end_at) and unnest their addresses, which they
-- match to kith.contact_emails by its (user_id, email) key.
--
-- attendee_emails holds the normalized addresses an event can count for
-- (people other than the calendar's owner, not rooms, resources or groups,
-- who did not decline), once each, sorted; attendee_names the display name
-- each invitation gave (same position, '' when none). Whether the event
-- counts (attended, all-day, size) and whether an address is the user's
-- is decided when interactions are applied, as before.
ALTER TABLE kith.calendar_events
    ADD COLUMN attendee_emails text[] NOT NULL DEFAULT '{}',
    ADD COLUMN attendee_names  text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT calendar_events_attendees_check
        CHECK (cardinality(attendee_names) = cardinality(attendee_emails) AND cardinality(attendee_emails) <= 10000);

UPDATE kith.calendar_events AS e
   SET attendee_emails = a.emails, attendee_names = a.names
  FROM (SELECT user_id, calendar_id, event_id,
               array_agg(email ORDER BY email) AS emails, array_agg(display_name ORDER BY email) AS names
          FROM kith.calendar_attendees
         GROUP BY user_id, calendar_id, event_id) AS a
 WHERE e.user_id = a.user_id AND e.calendar_id = a.calendar_id AND e.event_id = a.event_id;

DROP TABLE kith.calendar_attendees;

-- The (user_id, end_at) index becomes partial, on a condition every stored
-- event meets (end_at is a finite time): only a statement that states
-- "end_at > '-infinity'" can use it, and ApplyInteractions and
-- UnmatchedAttendees do. A page write's look-ups by key cannot: when the
-- statistics have not yet seen a new user's calendar (they estimate the
-- user at one row until autovacuum analyzes the table), the planner took
-- this smaller index for "user_id = $1" and filtered the calendar and the
-- event ID, reading all the user's events once per event of the page.
-- Measured on a first sync of 50,000 events beside another user's 50,000:
-- the second page's write took 34 s (6.2 million buffers), the third 71 s.
-- With the primary key as the only index that can serve them, each
-- look-up is one descent of it.
DROP INDEX kith.calendar_events_user_end_idx;
CREATE INDEX calendar_events_user_end_idx ON kith.calendar_events (user_id, end_at)
    WHERE end_at > '-infinity';
