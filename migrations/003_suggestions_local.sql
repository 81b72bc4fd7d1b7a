-- kith 003: suggestions in the user's calendar, and a bounded history.
--
-- A due date is a date on the user's own calendar (computed in their time
-- zone), not an instant: due_since becomes a date. Earlier rows held the
-- instant last contact + fixed interval; their UTC date is kept.
ALTER TABLE kith.suggestions
    ALTER COLUMN due_since TYPE date USING (due_since AT TIME ZONE 'UTC')::date;

-- The IANA zone a run computed its days in ('' for UTC), for support and
-- history.
ALTER TABLE kith.suggestion_runs
    ADD COLUMN time_zone text NOT NULL DEFAULT '' CHECK (char_length(time_zone) <= 64);

-- Retention: pruning finds a user's oldest resolved suggestions without
-- reading the rest of their history.
CREATE INDEX suggestions_user_resolved_at_idx
    ON kith.suggestions (user_id, resolved_at)
    WHERE status <> 'pending';
