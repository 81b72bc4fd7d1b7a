-- kith 004: reading for a UI. Names sort the way people expect, list pages
-- have an index per filter, and contacts can be searched with typos.

-- Names sort in Unicode's root collation (ICU "und"), whatever the
-- database's default: accented names beside their base letters (Álvaro
-- before Brenda, Éric between Eleanor and Eugene), "delta" among the d's.
-- A PostgreSQL built without ICU keeps the database's own collation under
-- the same name.
DO $$
BEGIN
    CREATE COLLATION kith.names (provider = icu, locale = 'und');
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR undefined_object THEN
    EXECUTE format('CREATE COLLATION kith.names (locale = %L)',
                   (SELECT datcollate FROM pg_database WHERE datname = current_database()));
END
$$;

-- The name's indexes (the stream order's and the primary key, which
-- INCLUDEs it) are rebuilt in the new collation; the table is not. The
-- foreign keys that reference the primary key must be dropped for its
-- rebuild and are added again as they were.
DO $$
DECLARE
    fk record;
    fks text[] := '{}';
BEGIN
    FOR fk IN SELECT conrelid::regclass AS tbl, conname, pg_get_constraintdef(oid) AS def
                FROM pg_constraint WHERE contype = 'f' AND confrelid = 'kith.contacts'::regclass LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
        fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.tbl, fk.conname, fk.def);
    END LOOP;
    ALTER TABLE kith.contacts ALTER COLUMN name TYPE text COLLATE kith.names;
    FOR i IN 1 .. cardinality(fks) LOOP
        EXECUTE fks[i];
    END LOOP;
END
$$;

-- List pages by name, one index per filter that can be selective, so a
-- filtered page reads about as many entries as it returns. Each INCLUDEs
-- what the other filters test, so pages stay index-only scans.
CREATE INDEX contacts_user_archived_name_idx ON kith.contacts (user_id, name, id)
    INCLUDE (last_contact_date, frequency, group_ids) WHERE archived;
CREATE INDEX contacts_user_google_name_idx ON kith.contacts (user_id, name, id)
    INCLUDE (last_contact_date, frequency, archived, group_ids) WHERE google_resource_name <> '';
CREATE INDEX contacts_user_manual_name_idx ON kith.contacts (user_id, name, id)
    INCLUDE (last_contact_date, frequency, archived, group_ids) WHERE google_resource_name = '';
-- Frequency and due filters walk one range per frequency and merge them.
CREATE INDEX contacts_user_frequency_name_idx ON kith.contacts (user_id, frequency, name, id)
    INCLUDE (last_contact_date, archived, group_ids);

-- Search: trigram similarity (pg_trgm) over name and email, in a GiST
-- index that leads with the user (btree_gist gives uuid a GiST operator
-- class), so a search reads one user's candidates. Both extensions ship
-- with PostgreSQL and are trusted: a role with CREATE on the database may
-- add them. Without them the migration still succeeds and
-- contacts.Store.Search returns contacts.ErrSearchUnavailable. Signatures
-- of 256 bytes rather than the default 12: with 12, the signatures of a
-- large user's contacts saturate and every search reads the user's whole
-- index (measured on 200,000 names: a search without matches read 360 ms
-- of index with 12 bytes, 22 ms with 256).
DO $$
DECLARE
    trgm text;
    home text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.oid = 'kith.contacts'::regclass);
BEGIN
    -- Into kith's own schema (where the migrating role may create), unless
    -- the database has them already.
    BEGIN
        EXECUTE format('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA %I', home);
        EXECUTE format('CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA %I', home);
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported OR object_not_in_prerequisite_state THEN
        RAISE NOTICE 'kith: contacts search disabled: %', SQLERRM;
    END;
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF trgm IS NOT NULL AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gist') THEN
        EXECUTE format('CREATE INDEX contacts_user_search_idx ON kith.contacts USING gist '
                       '(user_id, name %1$I.gist_trgm_ops(siglen = 256), email %1$I.gist_trgm_ops(siglen = 256))', trgm);
    END IF;
END
$$;
