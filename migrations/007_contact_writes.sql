-- kith 007: every email of a contact, indexed by its normalized form;
-- versions for optimistic concurrency; case-insensitively unique group names.

-- other_emails holds the addresses beyond the primary one, as the user or
-- the sync gave them. email_keys holds the normalized form of every address
-- (primary first), computed by the Go store (contacts.NormalizeEmail: trim,
-- lower case, IDNA domain; SQL cannot do IDNA), and is what kith matches on.
-- version counts the writes of the contact's own fields (not of its group
-- membership); the store's statements bump it.
ALTER TABLE kith.contacts
    ADD COLUMN other_emails text[] NOT NULL DEFAULT '{}' CHECK (cardinality(other_emails) <= 50),
    ADD COLUMN email_keys   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(email_keys) <= 51),
    ADD COLUMN version      bigint NOT NULL DEFAULT 1;

-- One row per (user, normalized address, contact): FindByEmail is one range
-- of this key, and every trigger below reaches its rows by the full key. A
-- separate table rather than a GIN index on email_keys: GIN cannot lead with
-- the user without the btree_gin extension, and a GIN posting list of one
-- address is shared by every tenant holding it.
CREATE TABLE kith.contact_emails (
    user_id    uuid NOT NULL,
    email      text NOT NULL,
    contact_id uuid NOT NULL,
    PRIMARY KEY (user_id, email, contact_id)
);

-- Existing rows: the primary email only, lower-cased (exact for ASCII
-- domains; a non-ASCII domain is re-keyed by the next write of the contact).
UPDATE kith.contacts SET email_keys = ARRAY[lower(btrim(email))] WHERE email <> '';
INSERT INTO kith.contact_emails (user_id, email, contact_id)
SELECT user_id, email_keys[1], id FROM kith.contacts WHERE cardinality(email_keys) > 0
ON CONFLICT DO NOTHING;

-- The mirror is kept by triggers so that every write path (the store,
-- cascades, a bulk delete of a user) keeps it. The WHEN clauses keep rows
-- without emails, and updates that leave the keys alone, free of any
-- trigger call.
CREATE FUNCTION kith.contact_emails_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM kith.contact_emails
         WHERE user_id = OLD.user_id AND email = ANY (OLD.email_keys) AND contact_id = OLD.id;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM kith.contact_emails
         WHERE user_id = OLD.user_id
           AND email = ANY (ARRAY(SELECT unnest(OLD.email_keys) EXCEPT SELECT unnest(NEW.email_keys)))
           AND contact_id = OLD.id;
    END IF;
    INSERT INTO kith.contact_emails (user_id, email, contact_id)
    SELECT NEW.user_id, k, NEW.id FROM unnest(NEW.email_keys) AS k
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER contact_emails_insert
    AFTER INSERT ON kith.contacts
    FOR EACH ROW WHEN (cardinality(NEW.email_keys) > 0)
    EXECUTE FUNCTION kith.contact_emails_sync();
CREATE TRIGGER contact_emails_update
    AFTER UPDATE OF email_keys ON kith.contacts
    FOR EACH ROW WHEN (OLD.email_keys IS DISTINCT FROM NEW.email_keys)
    EXECUTE FUNCTION kith.contact_emails_sync();
CREATE TRIGGER contact_emails_delete
    AFTER DELETE ON kith.contacts
    FOR EACH ROW WHEN (cardinality(OLD.email_keys) > 0)
    EXECUTE FUNCTION kith.contact_emails_sync();

-- Group names are unique per user ignoring case. name_key is the folded
-- name the Go store computes (Unicode case folding of the NFC name; lower()
-- would depend on the database's locale). Existing groups get lower(name);
-- groups that now collide keep their name with a short suffix.
ALTER TABLE kith.groups ADD COLUMN name_key text;
UPDATE kith.groups g SET name = left(g.name, 89) || ' (' || left(g.id::text, 8) || ')'
  FROM (SELECT id, row_number() OVER (PARTITION BY user_id, lower(name) ORDER BY created_at, id) AS n
          FROM kith.groups) d
 WHERE d.id = g.id AND d.n > 1;
UPDATE kith.groups SET name_key = lower(name);
ALTER TABLE kith.groups ALTER COLUMN name_key SET NOT NULL;
CREATE UNIQUE INDEX groups_user_name_key_key ON kith.groups (user_id, name_key);
-- Equal names have equal keys: the exact-name constraint is implied, and
-- one index fewer to write.
ALTER TABLE kith.groups DROP CONSTRAINT IF EXISTS groups_user_id_name_key;

-- A row inserted without a key (by SQL outside the store) gets lower(name).
CREATE FUNCTION kith.groups_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name_key := lower(NEW.name);
    RETURN NEW;
END
$$;

CREATE TRIGGER groups_name_key
    BEFORE INSERT ON kith.groups
    FOR EACH ROW WHEN (NEW.name_key IS NULL)
    EXECUTE FUNCTION kith.groups_name_key();
