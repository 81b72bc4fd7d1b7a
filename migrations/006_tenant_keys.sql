-- kith 006: every statement, trigger body and cascade reaches a user's rows
-- through an index that leads with user_id, so one user's cost never
-- depends on another user's data.
--
-- Before this, the membership trigger updated kith.contacts by id alone:
-- with the key (user_id, id) every membership change scanned the whole
-- table, all tenants (28 ms per membership beside a 300,000-contact
-- neighbour, 0.2 ms once fixed). Deleting a contact cascaded into
-- kith.suggestions, whose only (user_id, contact_id) indexes are partial,
-- so every contact delete scanned all users' suggestions too. The id-only
-- keys of groups and suggestions let the planner reach a user's row through
-- an index that ignores the user.

-- The mirror update names the user, so it is a primary-key look-up.
CREATE OR REPLACE FUNCTION kith.contact_groups_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE kith.contacts SET group_ids = array_append(group_ids, NEW.group_id)
         WHERE user_id = NEW.user_id AND id = NEW.contact_id;
        RETURN NEW;
    END IF;
    UPDATE kith.contacts SET group_ids = array_remove(group_ids, OLD.group_id)
     WHERE user_id = OLD.user_id AND id = OLD.contact_id;
    RETURN OLD;
END
$$;

-- Memberships: keyed by user first. The key serves the cascade of a
-- contact's delete (user_id, contact_id); the second index serves the
-- cascade of a group's delete and member look-ups (user_id, group_id).
-- A contact ID is unique only within its user (the contacts key is
-- (user_id, id)), so the user belongs in the key anyway.
ALTER TABLE kith.contact_groups DROP CONSTRAINT contact_groups_pkey;
ALTER TABLE kith.contact_groups ADD CONSTRAINT contact_groups_pkey PRIMARY KEY (user_id, contact_id, group_id);
DROP INDEX kith.contact_groups_group_idx;
CREATE INDEX contact_groups_user_group_idx ON kith.contact_groups (user_id, group_id, contact_id);

-- Groups: the key becomes (user_id, id). The foreign keys of
-- kith.contact_groups point at the (user_id, id) unique constraint, which
-- the new key replaces, so they are dropped and added again.
ALTER TABLE kith.contact_groups DROP CONSTRAINT contact_groups_user_id_group_id_fkey;
ALTER TABLE kith.groups DROP CONSTRAINT groups_user_id_id_key;
ALTER TABLE kith.groups DROP CONSTRAINT groups_pkey;
ALTER TABLE kith.groups ADD CONSTRAINT groups_pkey PRIMARY KEY (user_id, id);
ALTER TABLE kith.contact_groups ADD CONSTRAINT contact_groups_user_id_group_id_fkey
    FOREIGN KEY (user_id, group_id) REFERENCES kith.groups (user_id, id) ON DELETE CASCADE;

-- Suggestions: keyed by (user_id, id), and a full (user_id, contact_id)
-- index for the cascade of a contact's delete (the partial indexes of 002
-- cannot serve a predicate that does not name the status).
ALTER TABLE kith.suggestions DROP CONSTRAINT suggestions_pkey;
ALTER TABLE kith.suggestions ADD CONSTRAINT suggestions_pkey PRIMARY KEY (user_id, id);
CREATE INDEX suggestions_user_contact_idx ON kith.suggestions (user_id, contact_id);
