-- kith 009: what the Google syncs remember between runs (internal/gsync).
--
-- A resource is what one sync token covers for one user: 'people' (Google
-- Contacts), 'calendarList', 'calendar:<calendarID>'. Both tables lead with
-- user_id in every key and index: a user's sync touches only that user's
-- rows.

-- One row per (user, resource): the sync token (saved only in the
-- transaction of a pass's last page) and the status a host shows ("last
-- synced 5 minutes ago", "failing since Tuesday"). last_error holds text
-- built from HTTP status codes and Google reason identifiers only, never a
-- response body, a token or personal data.
CREATE TABLE kith.sync_state (
    user_id           uuid        NOT NULL,
    resource          text        NOT NULL CHECK (char_length(resource) BETWEEN 1 AND 1024),
    sync_token        text,
    last_full_sync_at timestamptz,
    last_success_at   timestamptz,
    failing_since     timestamptz,
    last_error        text        CHECK (char_length(last_error) <= 500),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, resource)
);

-- One row per sync run: started when the run has its lock, finished with
-- its outcome, counts and error text. The statement that finishes a run
-- keeps the last 50 runs of its (user, resource) and deletes older ones,
-- through sync_runs_user_resource_idx.
CREATE TABLE kith.sync_runs (
    user_id     uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    resource    text        NOT NULL CHECK (char_length(resource) BETWEEN 1 AND 1024),
    kind        text        NOT NULL CHECK (kind IN ('full', 'incremental')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text        CHECK (outcome IN ('success', 'failure', 'cancelled')),
    counts      jsonb       NOT NULL DEFAULT '{}',
    error       text        CHECK (char_length(error) <= 500),
    PRIMARY KEY (user_id, id),
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);

CREATE INDEX sync_runs_user_resource_idx ON kith.sync_runs (user_id, resource, started_at, id);
