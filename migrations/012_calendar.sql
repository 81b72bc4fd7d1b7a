-- kith 012: Google Calendar events, their attendees, the calendars a user
-- syncs and the per-user interaction watermark (package calendar).
--
-- Every key leads with user_id. Text columns are NOT NULL with '' meaning
-- absent, like the contacts table. Sync tokens and run records live in the
-- shared sync state tables (resources "calendarList" and "calendar:<id>"),
-- not here.

-- One row per calendar of a user that kith has seen: what the sync needs
-- between runs that is not a token. full_pass is the number of the latest
-- full pass of the calendar's events (the per-pass marker: every event a
-- full pass returns is stamped with it, and the end of the pass deletes
-- the calendar's events stamped with another). owner_email is the
-- normalized address of the calendar's owner when it is the user's own
-- (the primary calendar's id): an attendee with that address is the user.
CREATE TABLE kith.calendars (
    user_id      uuid        NOT NULL,
    calendar_id  text        NOT NULL CHECK (char_length(calendar_id) BETWEEN 1 AND 1024),
    is_primary   boolean     NOT NULL DEFAULT false,
    access_role  text        NOT NULL DEFAULT ''
        CHECK (access_role IN ('', 'freeBusyReader', 'reader', 'writer', 'owner')),
    owner_email  text        NOT NULL DEFAULT '' CHECK (char_length(owner_email) <= 320),
    full_pass    bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, calendar_id)
);

-- One row per stored event instance (recurring series are synced with
-- singleEvents=true: every instance is a row, the series master never is).
-- Cancelled events are never stored: a cancelled entry deletes its row.
-- start_at/end_at are instants; for an all-day event they are midnight of
-- start_date/end_date (end exclusive, as Google gives it) in the calendar's
-- time zone, and the dates themselves are kept. self_response is the
-- response of the attendee flagged self (the calendar being read), ''
-- when it is not among the attendees; attendee_count counts the people
-- invited (rooms and resources excluded, the user and those who declined
-- included). pass is the full pass that last returned the event.
CREATE TABLE kith.calendar_events (
    user_id            uuid        NOT NULL,
    calendar_id        text        NOT NULL CHECK (char_length(calendar_id) BETWEEN 1 AND 1024),
    event_id           text        NOT NULL CHECK (char_length(event_id) BETWEEN 1 AND 1024),
    ical_uid           text        NOT NULL DEFAULT '' CHECK (char_length(ical_uid) <= 1024),
    recurring_event_id text        NOT NULL DEFAULT '' CHECK (char_length(recurring_event_id) <= 1024),
    status             text        NOT NULL CHECK (status IN ('confirmed', 'tentative')),
    start_at           timestamptz NOT NULL,
    end_at             timestamptz NOT NULL,
    all_day            boolean     NOT NULL DEFAULT false,
    start_date         date,
    end_date           date,
    organizer_email    text        NOT NULL DEFAULT '' CHECK (char_length(organizer_email) <= 320),
    self_organizer     boolean     NOT NULL DEFAULT false,
    self_response      text        NOT NULL DEFAULT ''
        CHECK (self_response IN ('', 'needsAction', 'declined', 'tentative', 'accepted')),
    attendee_count     integer     NOT NULL DEFAULT 0 CHECK (attendee_count >= 0),
    updated            timestamptz,
    etag               text        NOT NULL DEFAULT '' CHECK (char_length(etag) <= 200),
    pass               bigint      NOT NULL DEFAULT 0,
    synced_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, calendar_id, event_id),
    CHECK (end_at >= start_at),
    CHECK (all_day = (start_date IS NOT NULL)),
    FOREIGN KEY (user_id, calendar_id) REFERENCES kith.calendars (user_id, calendar_id) ON DELETE CASCADE
);

-- ApplyInteractions reads the user's events by end time.
CREATE INDEX calendar_events_user_end_idx ON kith.calendar_events (user_id, end_at);

-- A cancelled series removes its instances.
CREATE INDEX calendar_events_user_series_idx ON kith.calendar_events (user_id, calendar_id, recurring_event_id)
    WHERE recurring_event_id <> '';

-- The attendees an event can count for: one row per (event, normalized
-- address), written only for attendees that are people other than the
-- calendar's owner who did not decline (no self flag, no resource flag,
-- no @resource.calendar.google.com or @group.calendar.google.com address,
-- response not "declined"). Whether the event itself counts (attended,
-- all-day, size) and whether the address is the user's is decided when
-- interactions are applied. Matching joins (user_id, email) here with
-- kith.contact_emails' (user_id, email).
CREATE TABLE kith.calendar_attendees (
    user_id      uuid NOT NULL,
    calendar_id  text NOT NULL,
    event_id     text NOT NULL,
    email        text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
    display_name text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 300),
    PRIMARY KEY (user_id, calendar_id, event_id, email),
    FOREIGN KEY (user_id, calendar_id, event_id)
        REFERENCES kith.calendar_events (user_id, calendar_id, event_id) ON DELETE CASCADE
);

CREATE INDEX calendar_attendees_user_email_idx ON kith.calendar_attendees (user_id, email);

-- Up to when interactions were applied: every stored event that ended at
-- or before applied_until has moved its attendees' last-contact dates.
-- A write of an event that ended before it moves it back to just before
-- that event's end, so history synced late is still applied.
CREATE TABLE kith.calendar_watermarks (
    user_id       uuid        NOT NULL PRIMARY KEY,
    applied_until timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
