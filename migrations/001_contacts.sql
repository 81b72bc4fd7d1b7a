-- kith 001: contacts, groups and their membership.
--
-- Text columns are NOT NULL with '' meaning "absent", so Go code never has to
-- tell NULL from '' for a string. Only times and the circle confidence are
-- nullable: there "unknown" is a real state that sorts differently.

CREATE TABLE kith.contacts (
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL,
    name                 text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    email                text        NOT NULL DEFAULT '' CHECK (char_length(email) <= 320),
    phone                text        NOT NULL DEFAULT '' CHECK (char_length(phone) <= 64),
    linkedin             text        NOT NULL DEFAULT '' CHECK (char_length(linkedin) <= 200),
    instagram            text        NOT NULL DEFAULT '' CHECK (char_length(instagram) <= 100),
    x_handle             text        NOT NULL DEFAULT '' CHECK (char_length(x_handle) <= 100),
    other_social         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(other_social) = 'object'),
    location             text        NOT NULL DEFAULT '' CHECK (char_length(location) <= 200),
    time_zone            text        NOT NULL DEFAULT '' CHECK (char_length(time_zone) <= 64),
    -- A byte bound (4 per character) backstops the Go check of 100,000
    -- characters: char_length of a kilobyte of UTF-8 per row halved the
    -- insert rate of a bulk load.
    notes                text        NOT NULL DEFAULT '' CHECK (octet_length(notes) <= 400000),
    last_contact_date    timestamptz,
    frequency            text        NOT NULL DEFAULT ''
        CHECK (frequency IN ('', 'weekly', 'biweekly', 'monthly', 'quarterly', 'biannual', 'annual', 'flexible')),
    tags                 text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 100),
    archived             boolean     NOT NULL DEFAULT false,
    source               text        NOT NULL DEFAULT '' CHECK (char_length(source) <= 32),
    google_resource_name text        NOT NULL DEFAULT '' CHECK (char_length(google_resource_name) <= 200),
    google_etag          text        NOT NULL DEFAULT '' CHECK (char_length(google_etag) <= 200),
    last_synced_at       timestamptz,
    circle               text        NOT NULL DEFAULT ''
        CHECK (circle IN ('', 'intimate', 'close', 'friends', 'meaningful', 'acquaintance')),
    circle_assigned_at   timestamptz,
    circle_confidence    real        CHECK (circle_confidence BETWEEN 0 AND 1),
    ai_suggested_circle  text        NOT NULL DEFAULT ''
        CHECK (ai_suggested_circle IN ('', 'intimate', 'close', 'friends', 'meaningful', 'acquaintance')),
    -- group_ids mirrors kith.contact_groups for the hot read path. Only the
    -- triggers below write it; the join table is the source of truth. The
    -- bound keeps every covering index tuple under btree's size limit.
    group_ids            uuid[]      NOT NULL DEFAULT '{}' CHECK (cardinality(group_ids) <= 64),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Every query names the user, so the key leads with it: one index
    -- serves look-ups by id, the id order of streams and the composite
    -- foreign keys below (a separate key on id alone would only slow
    -- writes).
    CONSTRAINT contacts_pkey PRIMARY KEY (user_id, id)
        INCLUDE (name, last_contact_date, frequency, archived, group_ids)
);

-- One Google person per user. Partial, so manual contacts ('' resource
-- name) do not collide; upserts name the same predicate.
CREATE UNIQUE INDEX contacts_user_google_key
    ON kith.contacts (user_id, google_resource_name) WHERE google_resource_name <> '';

-- One index per keyset order a stream offers, id as the tie-breaker. Each
-- INCLUDEs the minimal projection, so a page of MinimalContact is an
-- index-only range scan once the visibility map is set.
CREATE INDEX contacts_user_name_idx ON kith.contacts (user_id, name, id)
    INCLUDE (last_contact_date, frequency, archived, group_ids);
CREATE INDEX contacts_user_last_contact_idx ON kith.contacts (user_id, last_contact_date, id)
    INCLUDE (name, frequency, archived, group_ids);
CREATE INDEX contacts_user_created_idx ON kith.contacts (user_id, created_at, id)
    INCLUDE (name, last_contact_date, frequency, archived, group_ids);

CREATE TABLE kith.groups (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, id),
    UNIQUE (user_id, name)
);

-- The composite foreign keys make a cross-user membership impossible.
CREATE TABLE kith.contact_groups (
    user_id    uuid NOT NULL,
    contact_id uuid NOT NULL,
    group_id   uuid NOT NULL,
    PRIMARY KEY (contact_id, group_id),
    FOREIGN KEY (user_id, contact_id) REFERENCES kith.contacts (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, group_id) REFERENCES kith.groups (user_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_groups_group_idx ON kith.contact_groups (group_id);

-- array_append/array_remove act on the row version the UPDATE finally locks,
-- so concurrent membership changes of one contact compose; recomputing the
-- array from a subquery would read a stale snapshot under READ COMMITTED.
CREATE FUNCTION kith.contact_groups_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE kith.contacts SET group_ids = array_append(group_ids, NEW.group_id)
         WHERE id = NEW.contact_id;
        RETURN NEW;
    END IF;
    UPDATE kith.contacts SET group_ids = array_remove(group_ids, OLD.group_id)
     WHERE id = OLD.contact_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER contact_groups_sync
    AFTER INSERT OR DELETE ON kith.contact_groups
    FOR EACH ROW EXECUTE FUNCTION kith.contact_groups_sync();

-- Membership rows are never updated in place: a change is a delete plus an
-- insert, which keeps the mirror above correct.
CREATE FUNCTION kith.contact_groups_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kith.contact_groups rows are immutable; delete and insert instead';
END
$$;

CREATE TRIGGER contact_groups_immutable
    BEFORE UPDATE ON kith.contact_groups
    FOR EACH ROW EXECUTE FUNCTION kith.contact_groups_immutable();
