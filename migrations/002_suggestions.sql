-- kith 002: "reach out" suggestions and what the user did with them.
--
-- A row is one suggestion of one contact to one user. It is born pending
-- (written by a generation run) and may be resolved once: accepted,
-- dismissed or snoozed. Resolved rows stay as history and as the source of
-- exclusions (a snoozed contact until snoozed_until, a dismissed one for a
-- cool-down the generator is configured with).

-- One counter orders generation runs and resolutions across sessions and
-- machines: a run takes a ticket when it starts, a resolution when it
-- happens. A run whose ticket is older than the user's last committed run
-- is stale; a resolution newer than a run's ticket was not seen by it.
CREATE SEQUENCE kith.suggestion_seq;

CREATE TABLE kith.suggestions (
    id            uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid             NOT NULL,
    contact_id    uuid             NOT NULL,
    status        text             NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'dismissed', 'snoozed')),
    rank          integer          NOT NULL CHECK (rank >= 1),
    score         double precision NOT NULL,
    reason        text             NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    due_since     timestamptz,
    generated_at  timestamptz      NOT NULL,
    run_seq       bigint           NOT NULL,
    resolved_at   timestamptz,
    resolved_seq  bigint,
    snoozed_until timestamptz,
    FOREIGN KEY (user_id, contact_id) REFERENCES kith.contacts (user_id, id) ON DELETE CASCADE,
    CHECK ((status = 'pending') = (resolved_at IS NULL)),
    CHECK ((status = 'pending') = (resolved_seq IS NULL)),
    CHECK ((status = 'snoozed') = (snoozed_until IS NOT NULL))
);

-- At most one pending suggestion per contact, whatever runs race; also the
-- path of Pending and of a run's replace.
CREATE UNIQUE INDEX suggestions_pending_key
    ON kith.suggestions (user_id, contact_id) WHERE status = 'pending';

-- Exclusion look-ups: "which of these contact IDs are snoozed or recently
-- dismissed", answered from the index alone.
CREATE INDEX suggestions_resolved_idx
    ON kith.suggestions (user_id, contact_id)
    INCLUDE (status, resolved_at, resolved_seq, snoozed_until)
    WHERE status <> 'pending';

-- The last committed generation run of each user.
CREATE TABLE kith.suggestion_runs (
    user_id      uuid        PRIMARY KEY,
    run_seq      bigint      NOT NULL,
    generated_at timestamptz NOT NULL,
    scanned      bigint      NOT NULL DEFAULT 0,
    eligible     bigint      NOT NULL DEFAULT 0,
    suggested    integer     NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
