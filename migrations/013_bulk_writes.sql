-- kith 013: cheaper bulk writes of contacts.
--
-- A page of 1,000 synced contacts cost 1.7k-3.0k rows/s, where the table
-- without its search indexes took 14k: every new contact went into two
-- trigram GiST indexes (one on contacts for the name and the primary
-- email's local part, one on contact_emails for every address's local
-- part, so the primary's local part twice) and fired one PL/pgSQL trigger
-- call per row to mirror its addresses into contact_emails. And every
-- update of a contact moved it to another heap page (the table was packed
-- full), inserting it again into all ten contact indexes, the GiST among
-- them, even when no indexed column changed.

-- Search: the contacts index keeps the name only. Every address, the
-- primary included, is in contact_emails (email_keys holds the primary
-- first), so Search finds email matches through contact_emails' index
-- alone, and reads one index fewer per search. Signatures shrink from 256
-- to 64 bytes: measured on 100,000 contacts of one user beside 300,000 of
-- another, a page of 1,000 new contacts cost 30% less CPU in the two GiST
-- indexes with 64 bytes than with 256, and searches stayed faster than
-- before this migration (one index scan fewer): 40-80 ms against 60-130.
DO $$
DECLARE
    trgm text;
BEGIN
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF to_regclass('kith.contacts_user_search_idx') IS NOT NULL THEN
        DROP INDEX kith.contacts_user_search_idx;
        EXECUTE format('CREATE INDEX contacts_user_search_idx ON kith.contacts USING gist '
                       '(user_id, name %1$I.gist_trgm_ops(siglen = 64))', trgm);
    END IF;
    IF to_regclass('kith.contact_emails_user_search_idx') IS NOT NULL THEN
        DROP INDEX kith.contact_emails_user_search_idx;
        EXECUTE format('CREATE INDEX contact_emails_user_search_idx ON kith.contact_emails USING gist '
                       '(user_id, (split_part(email, ''@'', 1)) %1$I.gist_trgm_ops(siglen = 64))', trgm);
    END IF;
END
$$;

-- The address mirror of a statement's inserted or deleted contacts is
-- written by one set-based statement (transition tables) instead of one
-- trigger call per row. Updates keep 007's row trigger: its WHEN clause
-- already skips every update that leaves email_keys alone, and a
-- statement trigger with transition tables cannot be limited to a column,
-- so it would copy every updated row of every UPDATE.
DROP TRIGGER contact_emails_insert ON kith.contacts;
DROP TRIGGER contact_emails_delete ON kith.contacts;

CREATE FUNCTION kith.contact_emails_insert_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kith.contact_emails (user_id, email, contact_id)
    SELECT n.user_id, k.email, n.id
      FROM inserted_contacts AS n CROSS JOIN LATERAL unnest(n.email_keys) AS k(email)
     ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- The deletion is a nested loop of primary-key look-ups whatever the
-- number of rows: a hash or merge join could read contact_emails whole,
-- every tenant's addresses (the settings hold inside the function only).
CREATE FUNCTION kith.contact_emails_delete_rows() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    DELETE FROM kith.contact_emails AS e
     USING (SELECT DISTINCT o.user_id, k.email, o.id
              FROM deleted_contacts AS o CROSS JOIN LATERAL unnest(o.email_keys) AS k(email)) AS d
     WHERE e.user_id = d.user_id AND e.email = d.email AND e.contact_id = d.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER contact_emails_insert
    AFTER INSERT ON kith.contacts
    REFERENCING NEW TABLE AS inserted_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION kith.contact_emails_insert_rows();
CREATE TRIGGER contact_emails_delete
    AFTER DELETE ON kith.contacts
    REFERENCING OLD TABLE AS deleted_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION kith.contact_emails_delete_rows();

-- Room on every heap page for a new version of each of its rows, so that
-- an update that changes no indexed column (a sync refreshing an etag or
-- its per-pass marker, a note, a circle) stays on its page: a HOT update,
-- which writes no index entry. A full sync pass updates every row of a
-- page in one statement, and the old versions stay until it commits, so
-- only half-full pages take them all (with 70, 43% of them did, and a
-- page of 1,000 refreshed contacts cost 3x the CPU). Rows that a sync
-- keeps updating end up on half-full pages anyway (each pass moves the
-- rows that do not fit); the cost is the heap of contacts nothing
-- updates, up to twice the pages. Lists and streams read the covering
-- indexes, not the heap. Applies to pages written from now on; existing
-- rows move as they are updated (or at once with VACUUM FULL). A host
-- whose contacts are mostly typed by hand may set it back to 100.
ALTER TABLE kith.contacts SET (fillfactor = 50);
